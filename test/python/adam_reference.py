#!/usr/bin/python3
"""torch.optim.Adam / AdamW over a few steps, for resdet's optimizer tests (run with /usr/bin/python3).

stdin: JSON {"p": [floats], "grads": [[floats] per step], "lrs": [lr per step], "betas": [b1, b2], "eps": e,
             "weight_decay": wd, "optimizer": "adam"|"adamw"}
stdout: JSON [[p after step 1], [p after step 2], ...] (float32 values as decimals).
"""
import json
import sys

import torch

req = json.load(sys.stdin)
p = torch.nn.Parameter(torch.tensor(req["p"], dtype=torch.float32))
cls = torch.optim.AdamW if req["optimizer"] == "adamw" else torch.optim.Adam
opt = cls([p], lr=req["lrs"][0], betas=tuple(req["betas"]), eps=req["eps"], weight_decay=req["weight_decay"])
out = []
for g, lr in zip(req["grads"], req["lrs"]):
    for group in opt.param_groups:
        group["lr"] = lr
    p.grad = torch.tensor(g, dtype=torch.float32)
    opt.step()
    out.append(p.detach().tolist())
json.dump(out, sys.stdout)
