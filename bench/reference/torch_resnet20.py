"""PyTorch's side of bench/classify_throughput.ts: CIFAR-style ResNet-20 training steps on the CPU.

    /usr/bin/python3 bench/reference/torch_resnet20.py [--threads 2] [--batch 128] [--runs 11] [--warmup 2]
                                                       [--inputs cifar,fmnist] [--flush-denormal]

The network resdet builds with buildResNet('resnet20'): a 3x3 16-channel stem, three stages of three basic blocks
(16, 32, 64 channels; stride 2 entering stages 2 and 3) whose shortcuts are option A (stride-2 subsampling and zero
channels appended), global average pooling, a 10-way linear layer; PyTorch's default initialisation. One step =
forward, softmax cross-entropy, backward, SGD (lr 0.1, momentum 0.9, weight decay 1e-4) on a random batch:
3x32x32 ("cifar") or 1x28x28 ("fmnist"). Prints one JSON line: per input, images/s from the median step.
"""
import argparse
import json
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--runs", type=int, default=11)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--inputs", default="cifar,fmnist")
parser.add_argument("--flush-denormal", action="store_true")
opts = parser.parse_args()
# before torch loads: its OpenMP pool reads these once
from threads import limit_threads  # noqa: E402
limit_threads(opts.threads)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from cifar_resnet import resnet20  # noqa: E402  (the model, shared with torch_fmnist_short_recipe.py)

torch.set_num_threads(opts.threads)
torch.set_flush_denormal(opts.flush_denormal)
torch.manual_seed(0)

INPUTS = {"cifar": (3, 32), "fmnist": (1, 28)}


def median_step(step):
    for _ in range(opts.warmup):
        step()
    times = []
    for _ in range(opts.runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


result = {"script": "bench/reference/torch_resnet20.py", "torch": torch.__version__, "threads": torch.get_num_threads(),
          "batch": opts.batch, "flush_denormal": opts.flush_denormal}
for name in opts.inputs.split(","):
    channels, size = INPUTS[name]
    model = resnet20(channels).train()
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(opts.batch, channels, size, size)
    y = torch.randint(0, 10, (opts.batch,))

    def step():
        optimiser.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimiser.step()

    med, best = median_step(step)
    result[name] = {"input": f"{channels}x{size}x{size}", "images_per_s": round(opts.batch / med, 1),
                    "ms_per_batch": round(1000 * med, 1), "ms_per_batch_min": round(1000 * best, 1),
                    "parameters": sum(p.numel() for p in model.parameters())}
print(json.dumps(result))
