#!/usr/bin/python3
"""torch.nn.functional.interpolate(mode='bilinear', align_corners=False, antialias=True) of RGB images, for
resdet's resampling tests (run with /usr/bin/python3). antialias=True is PIL's BILINEAR: a triangle filter
stretched by the shrink factor; enlarging, it is plain bilinear interpolation.

stdin: JSON [{"width": w, "height": h, "pixels": [h*w*3 bytes, RGB interleaved], "out": [W, H]}, ...]
stdout: JSON [[H*W*3 floats, RGB interleaved], ...]
"""
import json
import sys

import torch
import torch.nn.functional as F

out = []
for job in json.load(sys.stdin):
    x = torch.tensor(job["pixels"], dtype=torch.float64).reshape(job["height"], job["width"], 3).permute(2, 0, 1)[None]
    w, h = job["out"]
    y = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
    out.append(y[0].permute(1, 2, 0).reshape(-1).tolist())
json.dump(out, sys.stdout)
