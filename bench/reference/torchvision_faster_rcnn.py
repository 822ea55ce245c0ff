"""torchvision's side of bench/detector_speed.ts: Faster R-CNN on ResNet-50 at the paper's scale, random weights, CPU.

    /usr/bin/python3 bench/reference/torchvision_faster_rcnn.py --layout c4|fpn [--threads 2] [--runs 3] [--warmup 1]
        [--proposals 1000] [--rois 512] [--flush-denormal] [--no-train] [--frozen-bn] [--freeze-at N]

The model, built as bench/detector_speed.ts builds resdet's (random init, every layer trainable, batch norm in
training mode, 21 classes with background, images of 600x800 kept at that size):
  fpn  torchvision's fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, min_size=600, max_size=1000)
  c4   the paper's layout from torchvision's parts: ResNet-50 up to layer3 (stride 16, 1024 channels) as the
       backbone, one feature map with anchors of 128/256/512 px and ratios 0.5/1/2, RoIAlign 14x14 on it, layer4 +
       average pooling as the box head (2048 features), the standard box predictor.
Batch norm statistics are set from one training-mode pass (momentum 1), as resdet's bench does: a random network's
statistics (mean 0, variance 1) overflow in 50 layers. With --frozen-bn every batch norm then becomes torchvision's
FrozenBatchNorm2d (as torchvision's detectors train by default), and --freeze-at N freezes the stem (N >= 1) and the
first N-1 stages (resdet's model.freezeAt, Detectron2's FREEZE_AT): resdet's `--batch-norm config`. The RPN's NMS is switched off (threshold 1.01) and its test
counts are 2x / 1x --proposals, so the box head gets --proposals RoIs, as a trained model's would.
Timed (median ms over --runs after --warmup): inference of one image; the box head alone on --proposals random
proposals; a training step (SGD lr 0.01 momentum 0.9) on one image with three boxes, --rois RoIs per image. Prints
one JSON line with the RoI counts the box head really got.
"""
import argparse
import json
import statistics
import time
from collections import OrderedDict

parser = argparse.ArgumentParser()
parser.add_argument("--layout", choices=("c4", "fpn"), required=True)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--warmup", type=int, default=1)
parser.add_argument("--proposals", type=int, default=1000)
parser.add_argument("--rois", type=int, default=512)
parser.add_argument("--flush-denormal", action="store_true")
parser.add_argument("--no-train", action="store_true")
parser.add_argument("--frozen-bn", action="store_true")
parser.add_argument("--freeze-at", type=int, default=0)
opts = parser.parse_args()
from threads import limit_threads  # noqa: E402
limit_threads(opts.threads)

import torch  # noqa: E402
from torch import nn  # noqa: E402
import torchvision  # noqa: E402
from torchvision.models import resnet50  # noqa: E402
from torchvision.models.detection import FasterRCNN, fasterrcnn_resnet50_fpn  # noqa: E402
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor  # noqa: E402
from torchvision.models.detection.rpn import AnchorGenerator  # noqa: E402
from torchvision.ops import FrozenBatchNorm2d, MultiScaleRoIAlign  # noqa: E402

torch.set_num_threads(opts.threads)
torch.set_flush_denormal(opts.flush_denormal)
torch.manual_seed(0)
HEIGHT, WIDTH, CLASSES = 600, 800, 21
gen = torch.Generator().manual_seed(1)
IMAGE = torch.rand(3, HEIGHT, WIDTH, generator=gen)
# bench/detector_speed.ts's three boxes; its labels 3, 7, 12 count from 0 without background
TARGET = {"boxes": torch.tensor([[50.0, 60, 300, 400], [400, 100, 700, 350], [200, 300, 500, 580]]),
          "labels": torch.tensor([4, 8, 13])}


class PooledLayer4(nn.Module):
    """The C4 box head: ResNet-50's last stage on each 14x14 RoI, then global average pooling."""

    def __init__(self, layer4):
        super().__init__()
        self.layer4 = layer4

    def forward(self, rois):
        return self.layer4(rois).mean(dim=(2, 3))


def build(layout):
    """The detector, and the ResNet whose stem and stages it uses (for --freeze-at)."""
    settings = dict(min_size=HEIGHT, max_size=1000, rpn_nms_thresh=1.01, rpn_pre_nms_top_n_test=2 * opts.proposals,
                    rpn_post_nms_top_n_test=opts.proposals, box_batch_size_per_image=opts.rois)
    if layout == "fpn":
        model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=CLASSES, **settings)
        return model, model.backbone.body
    net = resnet50()
    trunk = nn.Sequential(*[getattr(net, n) for n in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3")])
    trunk.out_channels = 1024
    model = FasterRCNN(trunk, rpn_anchor_generator=AnchorGenerator(((128, 256, 512),), ((0.5, 1.0, 2.0),)),
                       box_roi_pool=MultiScaleRoIAlign(["0"], 14, 0), box_head=PooledLayer4(net.layer4),
                       box_predictor=FastRCNNPredictor(2048, CLASSES), **settings)
    return model, net


def freeze_batch_norm(module):
    """Every nn.BatchNorm2d under module replaced by a FrozenBatchNorm2d with its weight, bias and statistics."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            frozen = FrozenBatchNorm2d(child.num_features, eps=child.eps)
            for key in ("weight", "bias", "running_mean", "running_var"):
                getattr(frozen, key).copy_(getattr(child, key).detach())
            setattr(module, name, frozen)
        else:
            freeze_batch_norm(child)


def freeze_stages(resnet, freeze_at):
    """No gradient for the stem (freeze_at >= 1) and layer1 … layer{freeze_at - 1}."""
    parts = [resnet.conv1, resnet.bn1] if freeze_at >= 1 else []
    parts += [getattr(resnet, f"layer{i}") for i in range(1, freeze_at)]
    for part in parts:
        for p in part.parameters():
            p.requires_grad_(False)


def calibrate_batch_norm(model):
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in norms:
        m.momentum = 1.0
    model.train()
    with torch.no_grad():
        model([IMAGE], [TARGET])
    for m in norms:
        m.momentum = 0.1


def timed(fn):
    for _ in range(opts.warmup):
        fn()
    times = []
    for _ in range(opts.runs):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1), "runs_ms": [round(t, 1) for t in times]}


model, resnet = build(opts.layout)
# a random RPN trained at lr 0.01 soon regresses some boxes out of the image; clipped to zero size, torchvision
# drops them (min_size 1e-3) and the box head then gets fewer than --rois RoIs (153 of 512 at the 4th C4 step):
# zero-size proposals are kept as negatives instead, so that every step does the stated work
model.rpn.min_size = 0.0
calibrate_batch_norm(model)
if opts.frozen_bn:
    freeze_batch_norm(model)
freeze_stages(resnet, opts.freeze_at)
rois_seen = []
model.roi_heads.box_roi_pool.register_forward_pre_hook(lambda _m, args: rois_seen.append(sum(len(b) for b in args[1])))
result = {"script": "bench/reference/torchvision_faster_rcnn.py", "torch": torch.__version__,
          "torchvision": torchvision.__version__, "threads": torch.get_num_threads(), "layout": opts.layout,
          "flush_denormal": opts.flush_denormal, "frozen_bn": opts.frozen_bn, "freeze_at": opts.freeze_at}

model.eval()
with torch.no_grad():
    result["infer"] = timed(lambda: model([IMAGE]))
    result["infer_rois_to_box_head"] = rois_seen[-1]
    images, _ = model.transform([IMAGE])
    features = model.backbone(images.tensors)
    if isinstance(features, torch.Tensor):
        features = OrderedDict([("0", features)])
    wh = 32 + 368 * torch.rand(opts.proposals, 2, generator=gen)
    corner = torch.rand(opts.proposals, 2, generator=gen) * (torch.tensor([WIDTH, HEIGHT]) - wh)
    proposals = [torch.cat([corner, corner + wh], 1)]
    result["box_head"] = timed(lambda: model.roi_heads(features, proposals, images.image_sizes))
    result["box_head_rois"] = rois_seen[-1]

if not opts.no_train:
    model.train()
    optimiser = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01, momentum=0.9)
    losses = []

    rois_per_step = []

    def step():
        optimiser.zero_grad(set_to_none=True)
        loss = sum(model([IMAGE], [TARGET]).values())
        loss.backward()
        optimiser.step()
        losses.append(round(float(loss), 4))
        rois_per_step.append(rois_seen[-1])
    result["train"] = timed(step)
    result["train_rois_to_box_head"] = rois_seen[-1]
    # a random RPN can collapse boxes to nothing within a few steps (removed as too small): fewer RoIs, less work
    result["train_rois_per_step"] = rois_per_step
    result["train_losses"] = losses
print(json.dumps(result))
