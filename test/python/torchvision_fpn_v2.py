"""Reference for test/detection/fpn_v2.test.ts: torchvision 0.14's fasterrcnn_resnet50_fpn_v2 (needs torch +
torchvision; random weights, nothing downloaded).

    /usr/bin/python3 test/python/torchvision_fpn_v2.py v1 OUT.pth NUM_CLASSES
        fasterrcnn_resnet50_fpn (v1) with random weights: its state dict, for the wrong-architecture messages.

    /usr/bin/python3 test/python/torchvision_fpn_v2.py roundtrip EXPORTED REFERENCE.pth NUM_CLASSES
        Loads EXPORTED (.pth or .safetensors) into fasterrcnn_resnet50_fpn_v2(num_classes=NUM_CLASSES) with
        load_state_dict(strict=True) and prints {"loaded": true, "tensors": n, "max_abs_diff": x} against
        REFERENCE's tensors (num_batches_tracked excluded: resdet does not keep it).

    /usr/bin/python3 test/python/torchvision_fpn_v2.py time MODEL.pth IMAGE.png RUNS
        Inference time of fasterrcnn_resnet50_fpn_v2(num_classes=91) with MODEL's weights on IMAGE (torchvision's
        transform included), eval mode, no_grad: one warm-up run, then RUNS timed runs; prints
        {"ms": [...], "detections": n, "threads": t} (torch threads: RESDET_THREADS, default 2).

    /usr/bin/python3 test/python/torchvision_fpn_v2.py names NUM_CLASSES
        Prints {name: shape} of fasterrcnn_resnet50_fpn_v2(weights=None, weights_backbone=None,
        num_classes=NUM_CLASSES).state_dict() as JSON (num_batches_tracked included).

    /usr/bin/python3 test/python/torchvision_fpn_v2.py make OUTDIR SEED HxW [HxW ...]
        Builds the model (num_classes=91) with random weights made to give confident, spread-out outputs, runs it
        in eval mode (torchvision's own transform: resize to 800/1333, normalise, pad) on synthetic images of
        the given sizes, and writes
          model.pth           torch.save(model.state_dict())
          image_K.png         the K-th image (8-bit RGB; the model saw exactly these pixels / 255)
          detections_K.json   {"boxes": [[x1, y1, x2, y2], ...], "scores": [...], "labels": [COCO ids]} in the
                              image's own pixels
          input.f32           the first image as the network sees it, (pixel/255 - mean) / std, NHWC float32
                              [1, H, W, 3] (meaningful when it needs no resize: short side 800, long <= 1333,
                              multiples of 32)
        Calibration on the first image: every batch norm gets its statistics (momentum None, one pass), the RPN
        objectness logits are scaled to a standard deviation of 3 and the class logits to 4, so that top-k,
        score thresholds and NMS are not decided by near-ties; box deltas get a standard deviation of ~0.3.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision
from torchvision.models.detection import fasterrcnn_resnet50_fpn_v2

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def build(num_classes):
    return fasterrcnn_resnet50_fpn_v2(weights=None, weights_backbone=None, num_classes=num_classes)


def synthetic_image(h, w, rng):
    """Smooth colour gradients with rectangles and discs: structure at several scales, values 0..1."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.5 + 0.3 * np.sin(x / 97 + c) * np.cos(y / 71 - c) for c in range(3)], -1)
    for _ in range(24):
        c = rng.uniform(0, 1, 3)
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        s = rng.uniform(20, 300)
        if rng.uniform() < 0.5:
            img[int(y0):int(y0 + s * rng.uniform(0.5, 1.5)), int(x0):int(x0 + s)] = c
        else:
            img[(x - x0) ** 2 + (y - y0) ** 2 < (s / 2) ** 2] = c
    return np.clip(img + rng.normal(0, 0.02, img.shape).astype(np.float32), 0, 1)


def batch_norms(module):
    return [m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)]


def calibrate(model, bns, layers, image):
    """One pass in eval mode except `bns`, which take the batch statistics they see on `image` as running
    statistics; returns the standard deviation of each of `layers`' outputs in that pass."""
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    seen = [[] for _ in layers]
    hooks = [layer.register_forward_hook(lambda m, i, o, k=k: seen[k].append(o.detach().flatten())) for k, layer in enumerate(layers)]
    with torch.no_grad():
        model([image])
    for h in hooks:
        h.remove()
    for bn in bns:
        bn.eval()
        bn.momentum = 0.1
    return [torch.cat(v).std().item() for v in seen]


def scale(layers, stds, targets):
    with torch.no_grad():
        for layer, std, target in zip(layers, stds, targets):
            layer.weight.mul_(target / std)
            if layer.bias is not None:
                layer.bias.mul_(target / std)


def make(out, seed, sizes):
    from PIL import Image
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = build(91).eval()
    os.makedirs(out, exist_ok=True)
    images = []
    for k, (h, w) in enumerate(sizes):
        png = (synthetic_image(h, w, rng) * 255).round().astype(np.uint8)
        Image.fromarray(png).save(os.path.join(out, f'image_{k}.png'))
        images.append(png.astype(np.float32) / 255)
    img = images[0]
    image = torch.from_numpy(img).permute(2, 0, 1).contiguous()
    rpn = [model.rpn.head.cls_logits, model.rpn.head.bbox_pred]
    scale(rpn, calibrate(model, batch_norms(model.backbone), rpn, image), [3.0, 0.3])
    box = [model.roi_heads.box_predictor.cls_score, model.roi_heads.box_predictor.bbox_pred]
    scale(box, calibrate(model, batch_norms(model.roi_heads.box_head), box, image), [4.0, 0.3])
    torch.save(model.state_dict(), os.path.join(out, 'model.pth'))
    ((img - MEAN) / STD).astype('<f4').tofile(os.path.join(out, 'input.f32'))
    for k, im in enumerate(images):
        with torch.no_grad():
            det = model([torch.from_numpy(im).permute(2, 0, 1).contiguous()])[0]
        with open(os.path.join(out, f'detections_{k}.json'), 'w') as f:
            json.dump({'boxes': det['boxes'].tolist(), 'scores': det['scores'].tolist(), 'labels': det['labels'].tolist()}, f)


def load_any(path):
    if path.endswith('.safetensors'):
        sys.path.insert(0, os.path.dirname(__file__))
        from make_torchvision_model import read_safetensors
        arrays, _ = read_safetensors(path)
        return {k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}
    return torch.load(path, map_location='cpu')


def roundtrip(exported, reference, num_classes):
    sd = load_any(exported)
    model = build(num_classes)
    model.load_state_dict(sd, strict=True)
    ref = torch.load(reference, map_location='cpu')
    own = model.state_dict()
    diff = max((own[k].float() - v.float()).abs().max().item() for k, v in ref.items() if not k.endswith('num_batches_tracked'))
    print(json.dumps({'loaded': True, 'tensors': len(sd), 'max_abs_diff': diff}))


def time_inference(weights, image_path, runs):
    import time
    from PIL import Image
    model = build(91).eval()
    model.load_state_dict(torch.load(weights, map_location='cpu'))
    image = torch.from_numpy(np.asarray(Image.open(image_path).convert('RGB')).astype(np.float32) / 255).permute(2, 0, 1).contiguous()
    ms = []
    with torch.no_grad():
        for k in range(runs + 1):
            t0 = time.perf_counter()
            det = model([image])[0]
            if k:
                ms.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({'ms': ms, 'detections': len(det['scores']), 'threads': torch.get_num_threads()}))


def main():
    torch.set_num_threads(int(os.environ.get('RESDET_THREADS', '2')))
    cmd = sys.argv[1]
    if cmd == 'names':
        print(json.dumps({k: list(v.shape) for k, v in build(int(sys.argv[2])).state_dict().items()}))
    elif cmd == 'make':
        make(sys.argv[2], int(sys.argv[3]), [tuple(int(v) for v in s.split('x')) for s in sys.argv[4:]])
    elif cmd == 'time':
        time_inference(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == 'v1':
        torch.save(torchvision.models.detection.fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=int(sys.argv[3])).state_dict(), sys.argv[2])
    elif cmd == 'roundtrip':
        roundtrip(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(f'unknown command {cmd}')


if __name__ == '__main__':
    main()
