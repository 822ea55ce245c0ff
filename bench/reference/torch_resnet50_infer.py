"""PyTorch's side of bench/onnx_classify.ts: torchvision's ResNet-50 inference at batch 1 on the CPU.

    /usr/bin/python3 bench/reference/torch_resnet50_infer.py --weights W.pth --input X.f32 [--threads 2] [--iters 30]
        [--warmup 5] [--flush-denormal]

The network is the one the bench times in resdet and ONNX Runtime: resdet's random ResNet-50 with calibrated batch
norm statistics, written by the bench as a torch.save state dict with torchvision's names (loaded into
torchvision.models.resnet50; only num_batches_tracked, which inference never reads, is absent). The input is the
bench's normalised 1x3x224x224 float32 image (NCHW, raw little-endian). Eval mode, torch.no_grad(). Prints one JSON
line: every run's ms, the median, and the logits (the bench checks that all engines computed the same net).
"""
import argparse
import json
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("--weights", required=True)
parser.add_argument("--input", required=True)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--iters", type=int, default=30)
parser.add_argument("--warmup", type=int, default=5)
parser.add_argument("--flush-denormal", action="store_true")
opts = parser.parse_args()
from threads import limit_threads  # noqa: E402
limit_threads(opts.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

torch.set_num_threads(opts.threads)
torch.set_flush_denormal(opts.flush_denormal)
model = torchvision.models.resnet50()
missing, unexpected = model.load_state_dict(torch.load(opts.weights), strict=False)
if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
    raise SystemExit(f"{opts.weights}: does not fit torchvision's resnet50: missing {missing}, unexpected {unexpected}")
model.eval()
x = torch.from_numpy(np.fromfile(opts.input, dtype="<f4").reshape(1, 3, 224, 224).copy())

runs = []
with torch.no_grad():
    for i in range(opts.warmup + opts.iters):
        t = time.perf_counter()
        logits = model(x)
        if i >= opts.warmup:
            runs.append((time.perf_counter() - t) * 1000)
print(json.dumps({
    "torch": torch.__version__, "torchvision": torchvision.__version__, "threads": opts.threads,
    "median_ms": statistics.median(runs), "runs_ms": runs, "logits": logits[0].tolist(),
}))
