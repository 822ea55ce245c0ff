"""torchvision's side of bench/torchvision_detector_speed.ts (torch 1.13 / torchvision 0.14, CPU).

    /usr/bin/python3 bench/reference/torchvision_detector.py image OUT.png H W
        A test image (gradients, shapes, noise) of H x W, as test/python/make_torchvision_detector.py makes them.
    /usr/bin/python3 bench/reference/torchvision_detector.py time WEIGHTS.pth IMAGE RUNS
        fasterrcnn_resnet50_fpn as built for the COCO weights (FrozenBatchNorm eps 0) with WEIGHTS, eval, no grad:
        one warm-up, then RUNS timed calls of model([image]) (transform, backbone, RPN, box head, postprocess) on
        the PIL-decoded IMAGE. Prints {"median_s", "times", "detections", "threads", "torch", "torchvision"}.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as TF
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'python'))
from make_torchvision_detector import build_v1, test_image  # noqa: E402


def time_inference(weights, image, runs):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = build_v1()
    model.load_state_dict(torch.load(weights))
    x = TF.to_tensor(Image.open(image).convert('RGB'))
    times = []
    with torch.no_grad():
        n = len(model([x])[0]['scores'])
        for _ in range(runs):
            t0 = time.perf_counter()
            model([x])
            times.append(time.perf_counter() - t0)
    print(json.dumps({'median_s': float(np.median(times)), 'times': times, 'detections': n, 'threads': torch.get_num_threads(),
                      'torch': torch.__version__, 'torchvision': torchvision.__version__}))


if __name__ == '__main__':
    if sys.argv[1] == 'image':
        test_image(int(sys.argv[3]), int(sys.argv[4]), 3).save(sys.argv[2])
    elif sys.argv[1] == 'time':
        time_inference(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(f'unknown command {sys.argv[1]}')
