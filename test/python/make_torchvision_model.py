"""Reference models for test/backbone/torchvision_equivalence.test.ts (needs torch + torchvision; numpy only
for safetensors — the `safetensors` package is not required).

    /usr/bin/python3 test/python/make_torchvision_model.py make OUTDIR [ARCH ...]
        For each ARCH (default: resnet18 resnet50 resnet20a) builds the model with random weights AND random
        batch-norm statistics (running_mean ~ N(0, 0.1), running_var ~ U(0.5, 1.5), weight ~ U(0.5, 1.5),
        bias ~ N(0, 0.1)), in eval mode, and writes
          ARCH.pth            torch.save(model.state_dict())
          ARCH.safetensors    the same state dict, written below with json + struct + numpy
          ARCH.input.f32      a fixed random input, float32 little-endian, NCHW
          ARCH.logits.f32     the model's logits on it, float32, [N, classes]
        and OUTDIR/manifest.json: {ARCH: {"resdet_arch", "options", "input_shape", "logits_shape"}}.
        ARCH may be a torchvision name (resnet18/34/50/101/152), `resnet50v1` (torchvision's resnet50 with
        the stride moved to the first 1x1 of each bottleneck: the paper's/MSRA's layout, resdet's
        strideIn1x1) or `resnet20a` (the paper's CIFAR ResNet-20 with option-A shortcuts, reimplemented
        below with resdet's parameter names).

    /usr/bin/python3 test/python/make_torchvision_model.py logits ARCH WEIGHTS.pth INPUT.f32 H W
        torchvision ARCH with the given state dict on an NHWC float32 input [1, H, W, 3]; prints
        {"logits": [...], "top5": [...]} as JSON.

    /usr/bin/python3 test/python/make_torchvision_model.py pil IMAGE OUT.f32
        torchvision's own ImageNet eval preprocessing (PIL: Resize(256), CenterCrop(224), ToTensor,
        Normalize) of IMAGE, written as float32 HWC [224, 224, 3].

    /usr/bin/python3 test/python/make_torchvision_model.py read-safetensors FILE.safetensors REFERENCE.pth
        Reads FILE with the numpy reader below and compares it to REFERENCE's state dict; prints
        {"names": {name: shape}, "metadata": {...}, "max_abs_diff": x, "missing": [...], "unexpected": [...]}.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ST_DTYPES = {np.dtype('float32'): 'F32', np.dtype('float64'): 'F64', np.dtype('int64'): 'I64', np.dtype('int32'): 'I32'}
NP_DTYPES = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32, 'F16': np.float16}


# --------------------------------------------------------------------------------------------- safetensors
def write_safetensors(path, state_dict, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in state_dict.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy())
        raw = a.astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': ST_DTYPES[a.dtype], 'shape': list(a.shape), 'data_offsets': [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, 'rb') as f:
        buf = f.read()
    (n,) = struct.unpack('<Q', buf[:8])
    header = json.loads(buf[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    data = memoryview(buf)[8 + n:]
    out = {}
    for name, e in header.items():
        b, end = e['data_offsets']
        dt = np.dtype(NP_DTYPES[e['dtype']]).newbyteorder('<')
        out[name] = np.frombuffer(data[b:end], dtype=dt).reshape(e['shape'])
    return out, meta


# --------------------------------------------------------------------------------------------- models
class BasicBlockA(nn.Module):
    """CIFAR basic block with the paper's option A: x[:, :, ::2, ::2] zero-padded by planes//4 each side."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = stride != 1 or cin != planes
        self.planes = planes

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.pad:
            p = self.planes // 4
            sc = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p), 'constant', 0)
        else:
            sc = x
        return F.relu(out + sc)


class CifarResNetA(nn.Module):
    """He et al. 2016, section 4.2: 3x3 conv 16, three stages of n blocks (16/32/64), global pool, fc."""

    def __init__(self, depth=20, num_classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        for i, planes in enumerate([16, 32, 64]):
            blocks = []
            for j in range(n):
                blocks.append(BasicBlockA(cin, planes, 2 if (i > 0 and j == 0) else 1))
                cin = planes
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def stride_in_1x1(model):
    """torchvision Bottleneck puts the stride on conv2 (3x3, "v1.5"); move it to conv1 (1x1, the paper's)."""
    for name in ['layer2', 'layer3', 'layer4']:
        b = getattr(model, name)[0]
        b.conv1.stride = (2, 2)
        b.conv2.stride = (1, 1)
    return model


def randomize_bn(model, g):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.1)
                m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=g)))
    return model


# arch -> (resdet arch, resdet options, input shape NCHW)
CASES = {
    'resnet18': ('resnet18', {}, [1, 3, 224, 224]),
    'resnet34': ('resnet34', {}, [1, 3, 75, 99]),
    'resnet50': ('resnet50', {}, [2, 3, 64, 64]),
    'resnet50v1': ('resnet50', {'strideIn1x1': True}, [1, 3, 67, 67]),
    'resnet101': ('resnet101', {}, [1, 3, 64, 64]),
    'resnet152': ('resnet152', {}, [1, 3, 64, 64]),
    'resnet18odd': ('resnet18', {}, [1, 3, 97, 123]),
    'resnet20a': ('resnet20', {}, [4, 3, 32, 32]),
}


def build(arch, seed):
    torch.manual_seed(seed)
    if arch == 'resnet20a':
        model = CifarResNetA(20, 10)
    elif arch == 'resnet50v1':
        model = stride_in_1x1(torchvision.models.resnet50())
    elif arch == 'resnet18odd':
        model = torchvision.models.resnet18()
    else:
        model = getattr(torchvision.models, arch)()
    g = torch.Generator().manual_seed(seed + 1)
    return randomize_bn(model, g).eval()


def make(outdir, archs):
    os.makedirs(outdir, exist_ok=True)
    manifest_path = os.path.join(outdir, 'manifest.json')
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    for k, arch in enumerate(archs):
        resdet_arch, options, shape = CASES[arch]
        model = build(arch, 1000 + 17 * k + sum(map(ord, arch)))
        sd = model.state_dict()
        p = lambda ext: os.path.join(outdir, f'{arch}.{ext}')
        torch.save(sd, p('pth'))
        write_safetensors(p('safetensors'), sd, {'format': 'pt', 'source': 'make_torchvision_model.py'})
        g = torch.Generator().manual_seed(7 + k)
        x = torch.randn(*shape, generator=g)
        with torch.no_grad():
            y = model(x)
        x.numpy().astype('<f4').tofile(p('input.f32'))
        y.numpy().astype('<f4').tofile(p('logits.f32'))
        manifest[arch] = {'resdet_arch': resdet_arch, 'options': options, 'input_shape': shape, 'logits_shape': list(y.shape),
                          'max_abs_logit': float(y.abs().max())}
    with open(manifest_path, 'w') as f:
        json.dump(manifest, f, indent=1)
    print(json.dumps({a: manifest[a] for a in archs}))


def logits(arch, weights, inp, h, w):
    model = getattr(torchvision.models, arch)()
    model.load_state_dict(torch.load(weights))
    model.eval()
    x = torch.from_numpy(np.fromfile(inp, dtype='<f4').reshape(1, h, w, 3)).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        y = model(x)[0]
    print(json.dumps({'logits': y.tolist(), 'top5': torch.topk(y, 5).indices.tolist()}))


def pil(image, out):
    from PIL import Image
    import torchvision.transforms as T
    tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    x = tf(Image.open(image).convert('RGB'))
    x.permute(1, 2, 0).contiguous().numpy().astype('<f4').tofile(out)
    print(json.dumps({'shape': list(x.permute(1, 2, 0).shape)}))


def check_safetensors(file, reference):
    st, meta = read_safetensors(file)
    ref = {k: v.numpy() for k, v in torch.load(reference).items()}
    diff = 0.0
    for k, v in st.items():
        if k in ref and tuple(ref[k].shape) == tuple(v.shape):
            diff = max(diff, float(np.abs(v.astype(np.float64) - ref[k].astype(np.float64)).max()) if v.size else 0.0)
    print(json.dumps({
        'names': {k: list(v.shape) for k, v in st.items()},
        'dtypes': sorted({str(v.dtype) for v in st.values()}),
        'metadata': meta,
        'max_abs_diff': diff,
        'missing': sorted(set(ref) - set(st)),
        'unexpected': sorted(set(st) - set(ref)),
        'misshaped': sorted(k for k in st if k in ref and tuple(ref[k].shape) != tuple(st[k].shape)),
    }))


if __name__ == '__main__':
    torch.set_num_threads(1)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'make':
        make(args[0], args[1:] or ['resnet18', 'resnet50', 'resnet20a'])
    elif cmd == 'logits':
        logits(args[0], args[1], args[2], int(args[3]), int(args[4]))
    elif cmd == 'pil':
        pil(args[0], args[1])
    elif cmd == 'read-safetensors':
        check_safetensors(args[0], args[1])
    else:
        sys.exit(f'unknown command {cmd}')
