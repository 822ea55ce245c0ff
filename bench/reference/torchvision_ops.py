"""torchvision's side of bench/detection_ops.ts: the detection ops on the CPU, timed on the same cases.

    /usr/bin/python3 bench/reference/torchvision_ops.py [--threads 2] [--runs 11] [--warmup 2]

Cases (the keys of "ops" in the JSON line it prints; median and minimum ms over --runs after --warmup):
  nms       torchvision.ops.nms, 12,000 boxes scattered around 50 objects (30..300 px) of an 800x600 image, IoU 0.7
  batched   batched_nms, 20,000 such boxes around 200 objects, 80 classes, IoU 0.5
  raFwd     roi_align on a 1x1024x38x50 feature map (stride 16 of 608x800), 512 RoIs of 32..400 px, 14x14 output,
            spatial scale 1/16, sampling ratio 0, aligned=True, no grad
  raFwdBwd  the same with the backward pass of a gradient of ones (max(3, runs // 2) runs)
  rpFwd     roi_pool on the same map and RoIs, 14x14, scale 1/16, no grad
  rpFwdBwd  its forward and backward (max(3, runs // 2) runs)
  iou       box_iou of 2000 x 50 boxes (max(runs, 101) runs)
bench/detection_ops.ts draws its inputs from the same distributions with resdet's own generator (not the same
numbers); "kept" counts are printed for both so the NMS workloads can be compared.
"""
import argparse
import json
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--runs", type=int, default=11)
parser.add_argument("--warmup", type=int, default=2)
opts = parser.parse_args()
from threads import limit_threads  # noqa: E402
limit_threads(opts.threads)

import torch  # noqa: E402
import torchvision  # noqa: E402
from torchvision import ops  # noqa: E402

torch.set_num_threads(opts.threads)
gen = torch.Generator().manual_seed(0)
IMAGE_W, IMAGE_H = 800.0, 600.0


def timed(fn, runs):
    for _ in range(opts.warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return {"median_ms": round(statistics.median(times), 3), "min_ms": round(min(times), 3), "runs": runs}


def boxes_around_objects(n, objects):
    """n boxes, each a noisy copy (size x exp(N(0, 0.2)), centre + N(0, 0.15) x size) of one of `objects` boxes."""
    size = 30 + 270 * torch.rand(objects, 2, generator=gen)
    centre = torch.rand(objects, 2, generator=gen) * torch.tensor([IMAGE_W, IMAGE_H])
    pick = torch.randint(objects, (n,), generator=gen)
    wh = size[pick] * torch.exp(0.2 * torch.randn(n, 2, generator=gen))
    xy = centre[pick] + 0.15 * size[pick] * torch.randn(n, 2, generator=gen)
    box = torch.cat([xy - wh / 2, xy + wh / 2], 1)
    return torch.stack([box[:, 0].clamp(0, IMAGE_W), box[:, 1].clamp(0, IMAGE_H),
                        box[:, 2].clamp(0, IMAGE_W), box[:, 3].clamp(0, IMAGE_H)], 1).contiguous()


def forward_backward(op, feature, rois, *args):
    leaf = feature.clone().requires_grad_(True)

    def run():
        leaf.grad = None
        out = op(leaf, rois, *args)
        out.backward(torch.ones_like(out))
    return run


result = {"script": "bench/reference/torchvision_ops.py", "torch": torch.__version__,
          "torchvision": torchvision.__version__, "threads": torch.get_num_threads(), "ops": {}, "kept": {}}
timings = result["ops"]
slow_runs = max(3, opts.runs // 2)

boxes, scores = boxes_around_objects(12000, 50), torch.rand(12000, generator=gen)
timings["nms"] = timed(lambda: ops.nms(boxes, scores, 0.7), opts.runs)
result["kept"]["nms"] = int(ops.nms(boxes, scores, 0.7).numel())

boxes, scores = boxes_around_objects(20000, 200), torch.rand(20000, generator=gen)
classes = torch.randint(80, (20000,), generator=gen)
timings["batched"] = timed(lambda: ops.batched_nms(boxes, scores, classes, 0.5), opts.runs)
result["kept"]["batched"] = int(ops.batched_nms(boxes, scores, classes, 0.5).numel())

feature = torch.randn(1, 1024, 38, 50, generator=gen)
wh = 32 + 368 * torch.rand(512, 2, generator=gen)
corner = torch.rand(512, 2, generator=gen) * (torch.tensor([800.0, 608.0]) - wh)
rois = torch.cat([torch.zeros(512, 1), corner, corner + wh], 1)
with torch.no_grad():
    timings["raFwd"] = timed(lambda: ops.roi_align(feature, rois, (14, 14), 1 / 16, 0, True), opts.runs)
    timings["rpFwd"] = timed(lambda: ops.roi_pool(feature, rois, (14, 14), 1 / 16), opts.runs)
timings["raFwdBwd"] = timed(forward_backward(ops.roi_align, feature, rois, (14, 14), 1 / 16, 0, True), slow_runs)
timings["rpFwdBwd"] = timed(forward_backward(ops.roi_pool, feature, rois, (14, 14), 1 / 16), slow_runs)

many, few = boxes_around_objects(2000, 50), boxes_around_objects(50, 50)
timings["iou"] = timed(lambda: ops.box_iou(many, few), max(opts.runs, 101))
print(json.dumps(result))
