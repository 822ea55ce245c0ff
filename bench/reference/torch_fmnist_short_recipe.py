"""PyTorch's answer to the question behind resdet's Fashion-MNIST flag recipe: what does ResNet-20 reach after one
epoch of the first 2,000 training images? The same recipe as `resdet classify train --arch resnet20 --dataset
fashion-mnist --epochs 1 --limit 2000` (backbone/classifier/config.ts DATASET_RECIPES): batch 8, AdamW lr 0.002,
weight decay 0.01 (or --optimizer sgd: lr 0.0125, momentum 0.9, weight decay 1e-4, the recipe before), lr x0.1 at 75% and 90% of the steps, no augmentation, 28x28 inputs normalised
with mean 0.286 / std 0.353, He-initialised convolutions; top-1 on the 10,000 test images, per seed.

  /usr/bin/python3 bench/reference/torch_fmnist_short_recipe.py [--seeds 0,1,2] [--limit 2000] [--threads 2]
      [--optimizer adamw|adam|sgd] [--lr X] [--weight-decay X] [--ema D] [--label-smoothing X] [--flip-tta]

Variants tried for issue 14's 75 %: --ema D evaluates an exponential moving average of the weights and batch-norm
buffers (decay min(D, (1 + step) / (10 + step)), as timm's ModelEmaV2 with a warm-up), --label-smoothing X smooths
the targets, --flip-tta averages the softmax of each test image and its mirror.
"""
import argparse
import gzip
import copy
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("--seeds", default="0,1,2")
parser.add_argument("--limit", type=int, default=2000)
parser.add_argument("--batch", type=int, default=8)
parser.add_argument("--optimizer", choices=["sgd", "adam", "adamw"], default="adamw")
parser.add_argument("--lr", type=float, default=None, help="default 0.002 (adam, adamw), 0.0125 (sgd)")
parser.add_argument("--weight-decay", type=float, default=None, help="default 0.01 (adamw), 1e-4 (sgd, adam)")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--ema", type=float, default=0.0)
parser.add_argument("--label-smoothing", type=float, default=0.0)
parser.add_argument("--flip-tta", action="store_true")
parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
opts = parser.parse_args()
if opts.lr is None:
    opts.lr = 0.0125 if opts.optimizer == "sgd" else 0.002
if opts.weight_decay is None:
    opts.weight_decay = 0.01 if opts.optimizer == "adamw" else 1e-4
from threads import limit_threads  # noqa: E402
limit_threads(opts.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from cifar_resnet import resnet20  # noqa: E402

torch.set_num_threads(opts.threads)


def idx(name, offset):
    with gzip.open(os.path.join(opts.data, name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def images(name):
    x = idx(name, 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    return torch.from_numpy((x - 0.286) / 0.353)


train_x, train_y = images("train-images-idx3-ubyte.gz")[: opts.limit], torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8)[: opts.limit].astype(np.int64))
test_x, test_y = images("t10k-images-idx3-ubyte.gz"), torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))


def update_ema(ema, model, decay):
    with torch.no_grad():
        for e, m in zip(ema.state_dict().values(), model.state_dict().values()):
            if e.dtype.is_floating_point:
                e.mul_(decay).add_(m, alpha=1 - decay)
            else:
                e.copy_(m)


def run(seed):
    torch.manual_seed(seed)
    model = resnet20(1)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    steps = (len(train_x) + opts.batch - 1) // opts.batch
    if opts.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=opts.lr, momentum=0.9, weight_decay=opts.weight_decay)
    else:
        make = torch.optim.AdamW if opts.optimizer == "adamw" else torch.optim.Adam
        opt = make(model.parameters(), lr=opts.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=opts.weight_decay)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [round(0.75 * steps), round(0.9 * steps)], 0.1)
    order = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(seed))
    ema = copy.deepcopy(model) if opts.ema else None
    model.train()
    for s in range(steps):
        i = order[s * opts.batch:(s + 1) * opts.batch]
        opt.zero_grad()
        F.cross_entropy(model(train_x[i]), train_y[i], label_smoothing=opts.label_smoothing).backward()
        opt.step()
        sched.step()
        if ema is not None:
            update_ema(ema, model, min(opts.ema, (1 + s) / (10 + s)))
    if ema is not None:
        model = ema
    model.eval()
    predict = (lambda x: model(x).softmax(1) + model(x.flip(3)).softmax(1)) if opts.flip_tta else model
    with torch.no_grad():
        correct = sum(int((predict(test_x[k:k + 500]).argmax(1) == test_y[k:k + 500]).sum()) for k in range(0, len(test_x), 500))
    return correct / len(test_x)


top1 = {int(s): run(int(s)) for s in opts.seeds.split(",")}
print(json.dumps({"script": "bench/reference/torch_fmnist_short_recipe.py", "torch": torch.__version__, "limit": opts.limit,
                  "batch": opts.batch, "optimizer": opts.optimizer, "lr": opts.lr, "weight_decay": opts.weight_decay,
                  "ema": opts.ema, "label_smoothing": opts.label_smoothing, "flip_tta": opts.flip_tta, "top1": top1, "mean": sum(top1.values()) / len(top1)}))
