"""Reference detector for test/detection/torchvision_detector.test.ts (needs torch + torchvision; numpy).

    /usr/bin/python3 test/python/make_torchvision_detector.py make OUTDIR
        Builds torchvision's fasterrcnn_resnet50_fpn exactly as its builder does for the COCO weights
        (FrozenBatchNorm2d, trainable_backbone_layers=3, overwrite_eps(model, 0.0), num_classes=91) with random
        weights made to give confident, spread-out detections: every batch norm calibrated on the first test
        image (running statistics = its input's statistics, random affine), and the RPN and box predictor
        outputs rescaled so that logits are far from ties (objectness at most 6 in absolute value: float32
        sigmoids of larger logits tie at 1.0; class logits std 3 (the larger of the two images'), deltas std 0.3 / 1.0). Writes, with seed 0:
          img_800x1088.png, img_500x375.png   test images (smooth gradients, noise, shapes)
          v1.pth                torch.save(state_dict) with torchvision >= 0.13 keys (inner_blocks.0.0.weight)
          v1_old.pth            the same tensors under the published file's keys (inner_blocks.0.weight)
          v1.safetensors        the same state dict as safetensors (numpy writer of make_torchvision_model.py)
          detections.json       {image file: {"boxes", "scores", "labels"}} of torchvision on each image
                                (PIL-decoded PNG, ToTensor, the model's own transform)

    /usr/bin/python3 test/python/make_torchvision_detector.py check-export FILE REFERENCE.pth NUM_CLASSES
        Loads FILE (torch.load for .pth, numpy reader for .safetensors) into
        fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=NUM_CLASSES) with strict=True and
        compares every tensor to REFERENCE's; prints {"loaded": true, "tensors": n, "max_abs_diff": x, "differ": [...]}.

    /usr/bin/python3 test/python/make_torchvision_detector.py time IMAGE RUNS
        Median seconds of torchvision's fasterrcnn_resnet50_fpn inference (random weights, eval, no grad) on IMAGE.
"""
import json
import os
import re
import sys
import time

import numpy as np
import torch
from PIL import Image
import torchvision
from torchvision.models import resnet50
from torchvision.models.detection._utils import overwrite_eps
from torchvision.models.detection import fasterrcnn_resnet50_fpn
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
from torchvision.models.detection.faster_rcnn import FasterRCNN
from torchvision.ops import misc as misc_nn_ops
import torchvision.transforms.functional as TF

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torchvision_model import write_safetensors, read_safetensors  # noqa: E402


def build_v1():
    """torchvision's fasterrcnn_resnet50_fpn as built for the COCO weights (faster_rcnn.py), weights random."""
    backbone = resnet50(weights=None, norm_layer=misc_nn_ops.FrozenBatchNorm2d)
    backbone = _resnet_fpn_extractor(backbone, 3)
    model = FasterRCNN(backbone, num_classes=91)
    overwrite_eps(model, 0.0)
    return model.eval()


def test_image(h, w, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([128 + 100 * np.sin(x / (37 + 10 * c) + y / (53 - 7 * c) + c) for c in range(3)], -1)
    for _ in range(25):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(10, min(h, w) / 4)
        col = rng.uniform(0, 255, 3)
        mask = ((y - cy) ** 2 + (x - cx) ** 2 < r * r) if rng.random() < 0.5 else ((abs(y - cy) < r) & (abs(x - cx) < r * 0.7))
        img[mask] = col
    img += rng.normal(0, 8, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


@torch.no_grad()
def calibrate(model, image):
    """Batch-norm statistics from the image, layer by layer (pre-hooks run before each frozen BN)."""
    g = torch.Generator().manual_seed(1)

    def hook(m, inp):
        x = inp[0]
        m.running_mean.copy_(x.mean((0, 2, 3)))
        m.running_var.copy_(x.var((0, 2, 3)) + 1e-3)
        m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
        m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)

    hs = [m.register_forward_pre_hook(hook) for m in model.modules() if isinstance(m, misc_nn_ops.FrozenBatchNorm2d)]
    model([image])
    for h in hs:
        h.remove()


@torch.no_grad()
def rescale_outputs(model, images, targets):
    """Scales each layer's weight (bias 0) so that its outputs on the images have the target ('std' or
    'max' absolute value; the larger of the images')."""
    stats = {}

    def record(n, o):
        v = torch.cat([t.flatten() for t in (o if isinstance(o, (list, tuple)) else [o])])
        old = stats.get(n, {'std': 0.0, 'max': 0.0})
        stats[n] = {'std': max(old['std'], v.std().item()), 'max': max(old['max'], v.abs().max().item())}

    mods = {name: m for name, m in model.named_modules() if name in targets}
    hs = [m.register_forward_hook(lambda m, i, o, n=name: record(n, o)) for name, m in mods.items()]
    for image in images:
        model([image])
    for h in hs:
        h.remove()
    for name, m in mods.items():
        kind, value = targets[name]
        m.weight.mul_(value / stats[name][kind])


def detections(model, image):
    with torch.no_grad():
        out = model([image])[0]
    return {k: out[k].tolist() for k in ('boxes', 'scores', 'labels')}


def old_keys(sd):
    """torchvision >= 0.13 keys → the published (pre-0.13) file's."""
    out = {}
    for k, v in sd.items():
        k = re.sub(r'^backbone\.fpn\.(inner|layer)_blocks\.(\d+)\.0\.', r'backbone.fpn.\1_blocks.\2.', k)
        k = re.sub(r'^rpn\.head\.conv\.0\.0\.', 'rpn.head.conv.', k)
        out[k] = v
    return out


def make(outdir):
    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    os.makedirs(outdir, exist_ok=True)
    images = {'img_800x1088.png': test_image(800, 1088, 1), 'img_500x375.png': test_image(375, 500, 2)}
    for name, im in images.items():
        im.save(os.path.join(outdir, name))
    tensors = {name: TF.to_tensor(Image.open(os.path.join(outdir, name)).convert('RGB')) for name in images}
    model = build_v1()
    first = tensors['img_800x1088.png']
    calibrate(model, first)
    # objectness logits at most 6: torchvision ranks proposals by sigmoid(logit) in float32, which saturates to
    # exact ties at 1.0 for large logits
    rescale_outputs(model, list(tensors.values()), {'rpn.head.cls_logits': ('max', 6.0), 'rpn.head.bbox_pred': ('std', 0.3),
                                   'roi_heads.box_predictor.cls_score': ('std', 3.0), 'roi_heads.box_predictor.bbox_pred': ('std', 1.0)})
    sd = model.state_dict()
    torch.save(sd, os.path.join(outdir, 'v1.pth'))
    torch.save(old_keys(sd), os.path.join(outdir, 'v1_old.pth'))
    write_safetensors(os.path.join(outdir, 'v1.safetensors'), sd)
    dets = {name: detections(model, t) for name, t in tensors.items()}
    with open(os.path.join(outdir, 'detections.json'), 'w') as f:
        json.dump(dets, f)
    print(json.dumps({name: len(d['scores']) for name, d in dets.items()}))


def check_export(file, reference, num_classes):
    if file.endswith('.safetensors'):
        arrays, _ = read_safetensors(file)
        sd = {k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}
    else:
        sd = torch.load(file)
    model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=num_classes)
    model.load_state_dict(sd, strict=True)
    ref = torch.load(reference)
    ref = {k: v for k, v in ref.items() if not k.endswith('num_batches_tracked')}
    differ = [k for k in ref if k not in sd or sd[k].shape != ref[k].shape or not torch.equal(sd[k], ref[k])]
    diff = max(float((sd[k] - ref[k]).abs().max()) for k in ref if k in sd and sd[k].shape == ref[k].shape)
    print(json.dumps({'loaded': True, 'tensors': len(sd), 'max_abs_diff': diff, 'differ': differ[:20], 'type': type(sd).__name__}))


def time_inference(image, runs):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    model = build_v1()
    x = TF.to_tensor(Image.open(image).convert('RGB'))
    times = []
    with torch.no_grad():
        model([x])
        for _ in range(runs):
            t0 = time.perf_counter()
            model([x])
            times.append(time.perf_counter() - t0)
    print(json.dumps({'median_s': float(np.median(times)), 'times': times, 'threads': torch.get_num_threads(),
                      'torch': torch.__version__, 'torchvision': torchvision.__version__}))


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'make':
        make(sys.argv[2])
    elif cmd == 'check-export':
        check_export(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == 'time':
        time_inference(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f'unknown command {cmd}')
