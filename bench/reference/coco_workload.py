"""The workload of bench/coco_eval_speed.ts: a COCO val2017-sized bbox evaluation, deterministic by seed.

    /usr/bin/python3 bench/reference/coco_workload.py OUT_DIR [--images 5000] [--seed 0]   -> OUT_DIR/gt.json, dt.json

Ground truth: --images images of 320..640 x 240..480 px, 80 category ids out of 1..90, a Poisson(7.3) number of
boxes per image (log-normal sizes, 1% crowd, segment areas below the box area) — about 36,000 for 5000 images.
Detections: up to 100 per image, 1-5 noisy copies of each ground-truth box (15% with a wrong class) and random
false positives, scores in (0, 1] — about 500,000. Needs numpy only (no pycocotools: the evaluation itself is
resdet's; pycocotools is not a resdet dependency, so it is not run here).
"""
import argparse
import json
import os

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--images", type=int, default=5000)
parser.add_argument("--seed", type=int, default=0)
opts = parser.parse_args()
rng = np.random.default_rng(opts.seed)

category_ids = np.sort(rng.choice(np.arange(1, 91), size=80, replace=False))
categories = [{"id": int(c), "name": f"class{c}", "supercategory": "thing"} for c in category_ids]


def xywh(x, y, w, h):
    return [round(float(v), 2) for v in (x, y, w, h)]


images, annotations, detections = [], [], []
for image_id in range(1, opts.images + 1):
    width, height = int(rng.integers(320, 641)), int(rng.integers(240, 481))
    images.append({"id": image_id, "file_name": f"{image_id:012d}.jpg", "width": width, "height": height})
    count = int(rng.poisson(7.3))
    sizes = np.clip(rng.lognormal(3.6, 0.9, size=(count, 2)), 2, [width - 1, height - 1])
    corners = rng.uniform(0, 1, size=(count, 2)) * ([width, height] - sizes)
    labels = rng.choice(category_ids, size=count)
    found = []
    for (x, y), (w, h), label in zip(corners, sizes, labels):
        annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(label),
                            "bbox": xywh(x, y, w, h), "area": round(float(w * h * rng.uniform(0.5, 0.95)), 2),
                            "iscrowd": int(rng.random() < 0.01)})
        for _ in range(int(rng.integers(1, 6))):
            noise = rng.normal(0, 0.12, size=4)
            cls = label if rng.random() < 0.85 else rng.choice(category_ids)
            found.append({"image_id": image_id, "category_id": int(cls),
                          "bbox": xywh(x + noise[0] * w, y + noise[1] * h, w * np.exp(noise[2]), h * np.exp(noise[3])),
                          "score": round(float(rng.uniform(0.05, 1.0)), 4)})
    found = found[:100]
    while len(found) < 100:
        w, h = rng.uniform(4, width / 2), rng.uniform(4, height / 2)
        found.append({"image_id": image_id, "category_id": int(rng.choice(category_ids)),
                      "bbox": xywh(rng.uniform(0, width - w), rng.uniform(0, height - h), w, h),
                      "score": round(float(rng.uniform(0.001, 0.6)), 4)})
    detections += found

os.makedirs(opts.out, exist_ok=True)
with open(os.path.join(opts.out, "gt.json"), "w") as f:
    json.dump({"info": {"description": "bench/reference/coco_workload.py"}, "images": images,
               "annotations": annotations, "categories": categories}, f)
with open(os.path.join(opts.out, "dt.json"), "w") as f:
    json.dump(detections, f)
print(json.dumps({"images": len(images), "annotations": len(annotations), "detections": len(detections)}))
