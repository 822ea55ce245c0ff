#!/usr/bin/python3
"""torchvision roi_pool on the CPU, the case bench/detection_ops.ts times for resdet (torch_ops.py has no roi_pool).

Input 1x1024x38x50 (stride 16 of 608x800), 512 RoIs in image coordinates (w/h 32..400 px, as torch_ops.py's
roi_align case), output 14x14, spatial_scale 1/16; forward (no grad) and forward+backward (grad of ones).
Usage: torch_roi_pool.py [--threads N] [--runs R] [--warmup W]; prints one JSON line (median ms).
"""
import argparse, os, json, time, statistics

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--runs", type=int, default=11)
ap.add_argument("--warmup", type=int, default=2)
args = ap.parse_args()
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = str(args.threads)

import torch
import torchvision
from torchvision.ops import roi_pool

torch.set_num_threads(args.threads)
g = torch.Generator().manual_seed(0)


def median_ms(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return {"median_ms": round(1000 * statistics.median(ts), 3), "min_ms": round(1000 * min(ts), 3), "n": runs}


feat = torch.randn(1, 1024, 38, 50, generator=g)
wh = torch.rand(512, 2, generator=g) * 368 + 32
xy = torch.rand(512, 2, generator=g) * (torch.tensor([800.0, 608.0]) - wh)
rois = torch.cat([torch.zeros(512, 1), xy, xy + wh], 1)
featg = feat.clone().requires_grad_(True)


def fwd():
    with torch.no_grad():
        roi_pool(feat, rois, (14, 14), 1 / 16)


def fwd_bwd():
    featg.grad = None
    out = roi_pool(featg, rois, (14, 14), 1 / 16)
    out.backward(torch.ones_like(out))


res = {"script": "torch_roi_pool", "torch": torch.__version__, "torchvision": torchvision.__version__,
       "threads": torch.get_num_threads()}
res["roi_pool_512x1024x14x14_fwd"] = median_ms(fwd, args.runs, args.warmup)
res["roi_pool_512x1024x14x14_fwd_bwd"] = median_ms(fwd_bwd, max(3, args.runs // 2), args.warmup)
print(json.dumps(res))
