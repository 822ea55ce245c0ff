"""PIL + torchvision's side of bench/detection_pipeline.ts: the detection training input pipeline, image by image.

    /usr/bin/python3 bench/reference/pil_pipeline.py --dir DIR [--threads 2] [--runs 5] [--warmup 2] [--images-only]

DIR gets 200 synthetic photo-like 500x375 JPEGs (quality 90) the first time: smooth colour ramps and waves,
filled rectangles, a slight blur and sensor-like noise, so that they compress about as a photograph does;
--images-only stops there. Per image, as the resdet pipeline does: PIL open + RGB, resize so the shorter side is
600 and the longer at most 1000 (bilinear; 500x375 -> 800x600), a horizontal flip with probability 0.5, to a float
tensor normalised with ImageNet's mean and std. One pass over the 200 files is one run; images/s = 200 / median.
  single         a loop in this process
  loader_2       torch DataLoader, 2 worker processes started every pass, batch 1
  loader_2_kept  the same with persistent workers (started once)
Prints one JSON line.
"""
import argparse
import glob
import json
import os
import random
import statistics
import time

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--images-only", action="store_true")
opts = parser.parse_args()
from threads import limit_threads  # noqa: E402
limit_threads(opts.threads)

import numpy as np  # noqa: E402
import PIL  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

COUNT, WIDTH, HEIGHT = 200, 500, 375
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def photo_like(rng):
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    channels = []
    for _ in range(3):
        base, gx, gy = rng.uniform(40, 200), rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4)
        fx, fy, phase = rng.uniform(0.005, 0.03), rng.uniform(0.005, 0.03), rng.uniform(0, 2 * np.pi)
        channels.append(base + gx * x + gy * y + 30 * np.sin(fx * x + phase) * np.cos(fy * y))
    image = Image.fromarray(np.clip(np.stack(channels, -1), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(5, 15))):
        left, top = int(rng.integers(0, WIDTH - 20)), int(rng.integers(0, HEIGHT - 20))
        draw.rectangle([left, top, left + int(rng.integers(10, 250)), top + int(rng.integers(10, 200))],
                       fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    noisy = np.asarray(image.filter(ImageFilter.GaussianBlur(1.2)), np.float32) + rng.normal(0, 9, (HEIGHT, WIDTH, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def ensure_images(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.jpg")))
    if len(files) >= COUNT:
        return files[:COUNT], False
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(COUNT):
        photo_like(rng).save(os.path.join(folder, f"{i:04d}.jpg"), quality=90)
    return sorted(glob.glob(os.path.join(folder, "*.jpg")))[:COUNT], True


files, made = ensure_images(opts.dir)
if opts.images_only:
    print(json.dumps({"script": "bench/reference/pil_pipeline.py", "files": len(files), "made_now": made}))
    raise SystemExit(0)

import torch  # noqa: E402
import torchvision  # noqa: E402
import torchvision.transforms.functional as TF  # noqa: E402

torch.set_num_threads(opts.threads)


def load(file):
    image = Image.open(file).convert("RGB")
    w, h = image.size
    scale = min(600 / min(w, h), 1000 / max(w, h))
    image = image.resize((round(w * scale), round(h * scale)), Image.BILINEAR)
    if random.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    return TF.normalize(TF.to_tensor(image), MEAN, STD)


class Files(torch.utils.data.Dataset):
    def __len__(self):
        return len(files)

    def __getitem__(self, i):
        return load(files[i])


def per_pass(one_pass):
    for _ in range(opts.warmup):
        one_pass()
    times = []
    for _ in range(opts.runs):
        start = time.perf_counter()
        one_pass()
        times.append(time.perf_counter() - start)
    med = statistics.median(times)
    return {"img_s": round(len(files) / med, 1), "ms_per_img": round(1000 * med / len(files), 2),
            "img_s_best": round(len(files) / min(times), 1), "n": opts.runs}


def loader_pass(loader):
    def one_pass():
        for _ in loader:
            pass
    return one_pass


result = {"script": "bench/reference/pil_pipeline.py", "torch": torch.__version__, "torchvision": torchvision.__version__,
          "PIL": PIL.__version__, "threads": torch.get_num_threads(), "files": len(files), "made_now": made,
          "mean_file_kB": round(sum(os.path.getsize(f) for f in files) / len(files) / 1024, 1),
          "out_shape": list(load(files[0]).shape)}
result["single"] = per_pass(lambda: [load(f) for f in files])
result["loader_2"] = per_pass(loader_pass(torch.utils.data.DataLoader(Files(), batch_size=1, num_workers=2)))
result["loader_2_kept"] = per_pass(loader_pass(torch.utils.data.DataLoader(Files(), batch_size=1, num_workers=2, persistent_workers=True)))
print(json.dumps(result))
