#!/usr/bin/python3
"""torchvision roi_align / roi_pool forward and backward for resdet's tests (run with /usr/bin/python3).

stdin: JSON {"features": flat NHWC, "shape": [N,H,W,C], "rois": [[b,x1,y1,x2,y2],...],
             "cases": [{"op": "roi_align"|"roi_pool", "output_size": [oh,ow], "spatial_scale": s,
                        "sampling_ratio": r, "aligned": bool, "dy": flat [K,oh,ow,C]}]}
stdout: JSON [{"out": flat [K,oh,ow,C], "grad": flat [N,H,W,C]}] (float32 values as decimals).
"""
import json
import sys

import torch
from torchvision.ops import roi_align, roi_pool

req = json.load(sys.stdin)
N, H, W, C = req["shape"]
x_nhwc = torch.tensor(req["features"], dtype=torch.float32).reshape(N, H, W, C)
rois = torch.tensor(req["rois"], dtype=torch.float32).reshape(-1, 5)
K = rois.shape[0]
res = []
for case in req["cases"]:
    x = x_nhwc.permute(0, 3, 1, 2).contiguous().requires_grad_(True)
    oh, ow = case["output_size"]
    if case["op"] == "roi_align":
        out = roi_align(x, rois, (oh, ow), case["spatial_scale"], case["sampling_ratio"], case["aligned"])
    else:
        out = roi_pool(x, rois, (oh, ow), case["spatial_scale"])
    dy = torch.tensor(case["dy"], dtype=torch.float32).reshape(K, oh, ow, C).permute(0, 3, 1, 2)
    out.backward(dy)
    res.append({"out": out.detach().permute(0, 2, 3, 1).reshape(-1).tolist(),
                "grad": x.grad.permute(0, 2, 3, 1).reshape(-1).tolist()})
json.dump(res, sys.stdout)
