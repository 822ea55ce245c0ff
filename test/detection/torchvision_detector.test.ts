/**
 * torchvision's fasterrcnn_resnet50_fpn (v1) in resdet, against PyTorch 1.13 / torchvision 0.14: a model built
 * as torchvision builds it for the COCO weights (FrozenBatchNorm eps 0), random weights calibrated to give
 * confident, spread-out detections (test/python/make_torchvision_detector.py), imported with the CLI from
 * both key styles and safetensors; `resdet predict` reproduces torchvision's detections on an image of
 * torchvision's own size and on one it resizes; export goes back into torchvision strictly with identical
 * tensors; fine-tuning on two new classes; bad input exits 2 with one message naming the file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { runCli, ROOT } from '../helpers/cli';
import { readSafetensors, writeSafetensors } from '../../engine/safetensors';
import { HostTensor } from '../../engine/host_tensor';
import { torchResizedSize } from '../../datasets/detection/pipeline/geometry';
import { requires } from '../helpers/requirements';

const gate = requires('torch', 'native');

const PY = '/usr/bin/python3';
const SCRIPT = path.join(ROOT, 'test', 'python', 'make_torchvision_detector.py');
const NATIVE = { RESDET_BACKEND: 'native' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-tv-v1-'));
const ref = path.join(tmp, 'ref');
const imported = path.join(tmp, 'imported');

interface TvDetections { boxes: number[][]; scores: number[]; labels: number[] }
interface CocoDet { file_name: string; category_id: number; category_name: string; bbox: number[]; score: number }

const py = (...args: string[]) => execFileSync(PY, [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

function iou(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** Fraction of torchvision's detections that resdet reproduces (same COCO id, IoU >= minIou, score within 0.01). */
function reproduced(tv: TvDetections, mine: CocoDet[], minIou: number): number {
  const boxes = mine.map((d) => [d.bbox[0], d.bbox[1], d.bbox[0] + d.bbox[2], d.bbox[1] + d.bbox[3]]);
  let ok = 0;
  tv.scores.forEach((s, k) => {
    if (mine.some((d, j) => d.category_id === tv.labels[k] && Math.abs(d.score - s) <= 0.01 && iou(tv.boxes[k], boxes[j]) >= minIou)) ok++;
  });
  return ok / tv.scores.length;
}

beforeAll(() => {
  if (gate.why) return; // the tests below skip (or fail under RESDET_REQUIRE_ALL) on their own
  py('make', ref);
  const r = runCli(['weights', 'import', '--arch', 'fasterrcnn_resnet50_fpn', '--from', path.join(ref, 'v1.pth'), '--out', imported], NATIVE);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/90 classes \+ background, 295 tensors, 41808406 parameters/);
}, 600_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

gate.test("torch-bilinear sizes are GeneralizedRCNNTransform's (torchvision 0.14's image_sizes at 800/1333)", () => {
  const cases: Array<[number, number, number, number]> = [[500, 375, 1066, 799], [640, 480, 1066, 800], [2000, 1000, 1333, 666], [1088, 800, 1088, 800]];
  for (const [w, h, ew, eh] of cases) expect(torchResizedSize(w, h, 800, 1333)).toMatchObject({ width: ew, height: eh });
});

gate.test('the imported checkpoint carries torchvision settings and COCO ids', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(imported, 'step-0000000.json'), 'utf8'));
  expect(meta.kind).toBe('detector');
  expect(meta.classes.names).toHaveLength(90);
  expect(meta.classes.names[0]).toBe('person');
  expect(meta.classes.names[11]).toBe('N/A'); // COCO id 12
  expect(meta.classes.categoryIds[17]).toBe(18);
  expect(meta.classes.names[17]).toBe('dog');
  const m = meta.config.model;
  expect([m.type, m.batchNormEps, m.freezeAt, m.rpn.preNmsTopNTest, m.rpn.postNmsTopNTest, m.rpn.nmsThresh, m.rpn.minSize]).toEqual(['fpn', 0, 2, 1000, 1000, 0.7, 1e-3]);
  expect([m.roiHeads.resolution, m.roiHeads.samplingRatio, m.roiHeads.aligned, m.roiHeads.scoreThresh, m.roiHeads.nmsThresh, m.roiHeads.detectionsPerImage]).toEqual([7, 2, false, 0.05, 0.5, 100]);
  expect([meta.config.data.testShortSide, meta.config.data.maxSize, meta.config.data.resize]).toEqual([800, 1333, 'torch-bilinear']);
  for (const f of ['config.yaml', 'last_checkpoint', 'step-0000000.safetensors']) expect(fs.existsSync(path.join(imported, f))).toBe(true);
});

gate.test("resdet predict reproduces torchvision's detections (800x1088 as is; 500x375 resized)", () => {
  const out = path.join(tmp, 'pred');
  const images = ['img_800x1088.png', 'img_500x375.png'].map((f) => path.join(ref, f));
  const r = runCli(['predict', '--weights', imported, ...images, '--out', out, '--score-thresh', '0', '--no-draw', '--quiet'], NATIVE);
  expect(r.code).toBe(0);
  const tv: Record<string, TvDetections> = JSON.parse(fs.readFileSync(path.join(ref, 'detections.json'), 'utf8'));
  const mine: CocoDet[] = JSON.parse(fs.readFileSync(path.join(out, 'detections.json'), 'utf8'));
  const of = (f: string) => mine.filter((d) => path.basename(d.file_name) === f);
  expect(tv['img_800x1088.png'].scores.length).toBeGreaterThan(50);
  expect(tv['img_500x375.png'].scores.length).toBeGreaterThan(50);
  expect(reproduced(tv['img_800x1088.png'], of('img_800x1088.png'), 0.99)).toBeGreaterThanOrEqual(0.95);
  expect(reproduced(tv['img_500x375.png'], of('img_500x375.png'), 0.95)).toBeGreaterThanOrEqual(0.9);
  expect(of('img_800x1088.png').length).toBe(tv['img_800x1088.png'].scores.length);
}, 300_000);

/** A COCO dataset (real COCO categories: 80, ids with gaps) whose boxes are torchvision's confident detections. */
function cocoFromTorchvision(dir: string): number {
  const tv = JSON.parse(fs.readFileSync(path.join(ref, 'detections.json'), 'utf8')) as Record<string, TvDetections>;
  // torchvision's own COCO list (91 entries: '__background__', then ids 1..90 with 'N/A' where COCO has no category)
  const listing = 'import json, torchvision; print(json.dumps(torchvision.models.detection.FasterRCNN_ResNet50_FPN_Weights.COCO_V1.meta["categories"]))';
  const cocoNames = (JSON.parse(execFileSync(PY, ['-c', listing], { encoding: 'utf8' })) as string[]).slice(1);
  fs.mkdirSync(path.join(dir, 'annotations'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'val2017'));
  const images: object[] = [];
  const annotations: object[] = [];
  Object.entries(tv).forEach(([file, d], i) => {
    const name = path.basename(file);
    fs.copyFileSync(path.join(ref, name), path.join(dir, 'val2017', name));
    const png = fs.readFileSync(path.join(ref, name));
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)]; // the PNG header's width and height
    images.push({ id: i + 1, file_name: name, width: w, height: h });
    d.scores.forEach((score, k) => {
      const [x1, y1, x2, y2] = d.boxes[k];
      if (score >= 0.5 && cocoNames[d.labels[k] - 1] !== 'N/A') {
        annotations.push({ id: annotations.length + 1, image_id: i + 1, category_id: d.labels[k], bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0 });
      }
    });
  });
  const categories = cocoNames.map((n, i) => ({ id: i + 1, name: n })).filter((c) => c.name !== 'N/A');
  expect(categories.length).toBe(80);
  fs.writeFileSync(path.join(dir, 'annotations', 'instances_val2017.json'), JSON.stringify({ images, annotations, categories }));
  return annotations.length;
}

gate.test("eval model on an imported COCO detector: torchvision's own detections as COCO ground truth give AP 1", () => {
  const coco = path.join(tmp, 'coco');
  const objects = cocoFromTorchvision(coco);
  expect(objects).toBeGreaterThan(20);
  const json = path.join(tmp, 'eval.json');
  const r = runCli(['eval', 'model', '--weights', imported, '--data', coco, '--quiet', '--json', json, '--out', path.join(tmp, 'eval')], NATIVE);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const m = JSON.parse(fs.readFileSync(json, 'utf8'));
  // the detector's labels (torchvision's 90 with N/A gaps) are matched to the dataset's 80 categories by name
  expect(m.coco_ap50).toBeGreaterThan(0.95);
  expect(m.coco_ap).toBeGreaterThan(0.9);
});

gate.test('the published key style and safetensors import to the same tensors', async () => {
  const base = await readSafetensors(path.join(imported, 'step-0000000.safetensors'));
  for (const file of ['v1_old.pth', 'v1.safetensors']) {
    const out = path.join(tmp, `imp-${file}`);
    const r = runCli(['weights', 'import', '--arch', 'fasterrcnn_resnet50_fpn', '--from', path.join(ref, file), '--out', out], NATIVE);
    expect(r.code).toBe(0);
    const other = await readSafetensors(path.join(out, 'step-0000000.safetensors'));
    expect([...other.keys()].sort()).toEqual([...base.keys()].sort());
    for (const [k, t] of base) expect(Buffer.from((other.get(k)!.data as Float32Array).buffer).equals(Buffer.from((t.data as Float32Array).buffer))).toBe(true);
    fs.rmSync(out, { recursive: true });
  }
}, 300_000);

gate.test('export: torchvision loads the .pth and .safetensors strictly, tensors identical', () => {
  for (const format of ['pth', 'safetensors']) {
    const out = path.join(tmp, `export.${format}`);
    const r = runCli(['weights', 'export', '--weights', imported, '--format', format, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fasterrcnn_resnet50_fpn\(weights=None, weights_backbone=None, num_classes=91\)/);
    const check = JSON.parse(py('check-export', out, path.join(ref, 'v1.pth'), '91'));
    expect(check).toMatchObject({ loaded: true, max_abs_diff: 0, differ: [] });
    if (format === 'pth') {
      expect(check.type).toBe('OrderedDict');
      // resdet reads its own .pth back: importing the export gives the imported tensors again
      const again = runCli(['weights', 'import', '--arch', 'fasterrcnn_resnet50_fpn', '--from', out, '--out', path.join(tmp, 'reimported')], NATIVE);
      expect(again.code).toBe(0);
      expect(fs.readFileSync(path.join(tmp, 'reimported', 'step-0000000.safetensors')).equals(fs.readFileSync(path.join(imported, 'step-0000000.safetensors')))).toBe(true);
      fs.rmSync(path.join(tmp, 'reimported'), { recursive: true });
    }
    fs.rmSync(out);
  }
}, 300_000);

gate.test('fine-tuning the imported detector on two new classes', () => {
  const data = path.join(tmp, 'ft-data');
  fs.mkdirSync(data);
  for (const f of ['img_800x1088.png', 'img_500x375.png']) fs.copyFileSync(path.join(ref, f), path.join(data, f));
  const csv = path.join(data, 'train.csv');
  fs.writeFileSync(csv, 'img_800x1088.png,100,120,400,500,cat\nimg_800x1088.png,600,300,900,700,dog\nimg_500x375.png,50,40,200,300,dog\n');
  const out = path.join(tmp, 'ft');
  const small = ['data.shortSides=[320]', 'data.maxSize=448', 'data.testShortSide=320', 'model.roiHeads.batchSizePerImage=64', 'eval.limit=1'];
  const r = runCli(['finetune', '--weights', imported, '--data', csv, '--classes', 'cat,dog', '--iters', '2', '--out', out, '--quiet', ...small.flatMap((s) => ['--set', s])], NATIVE);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/re-initialised for the new classes: roi_heads.box_predictor/);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'step-0000002.json'), 'utf8')).config;
  expect([cfg.model.freezeAt, cfg.model.batchNormEps, cfg.data.resize]).toEqual([2, 0, 'torch-bilinear']);
  const pred = path.join(tmp, 'ft-pred');
  const p = runCli(['predict', '--weights', out, path.join(data, 'img_500x375.png'), '--out', pred, '--score-thresh', '0', '--no-draw', '--quiet', '--set', 'model.roiHeads.scoreThresh=0'], NATIVE);
  expect(p.code).toBe(0);
  const dets: CocoDet[] = JSON.parse(fs.readFileSync(path.join(pred, 'detections.json'), 'utf8'));
  expect(dets.length).toBeGreaterThan(0);
  for (const d of dets) expect(['cat', 'dog']).toContain(d.category_name);
}, 600_000);

gate.describe('bad input: one message naming the file, exit 2', () => {
  const importArgs = (file: string) => ['weights', 'import', '--arch', 'fasterrcnn_resnet50_fpn', '--from', file, '--out', path.join(tmp, 'bad-out')];
  const t = (shape: number[]): HostTensor => ({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  const expectOneLineError = (r: { code: number; stderr: string }, file: string, pattern: RegExp) => {
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  };

  test('an ImageNet classifier given as fasterrcnn', async () => {
    const file = path.join(tmp, 'resnet.safetensors');
    await writeSafetensors(file, new Map([['conv1.weight', t([64, 3, 7, 7])], ['layer1.0.conv1.weight', t([64, 64, 1, 1])], ['fc.weight', t([1000, 2048])]]));
    expectOneLineError(runCli(importArgs(file)), file, /not a fasterrcnn_resnet50_fpn state dict.*ImageNet classifier.*--arch resnet50/);
  });

  test('a truncated file', () => {
    const file = path.join(tmp, 'truncated.pth');
    const fd = fs.openSync(path.join(ref, 'v1.pth'), 'r');
    const buf = Buffer.alloc(20_000_000);
    fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    fs.writeFileSync(file, buf);
    expectOneLineError(runCli(importArgs(file)), file, /error/);
  });

  describe('edited state dicts', () => {
    let sd: Map<string, HostTensor>;
    beforeAll(async () => {
      sd = await readSafetensors(path.join(ref, 'v1.safetensors'));
    }, 120_000);

    test('missing and mis-shaped keys, listed with PyTorch shapes', async () => {
      const file = path.join(tmp, 'edited.safetensors');
      const edited = new Map(sd);
      edited.delete('rpn.head.cls_logits.weight');
      edited.set('backbone.fpn.layer_blocks.2.0.weight', t([256, 256, 1, 1]));
      await writeSafetensors(file, edited);
      const r = runCli(importArgs(file));
      expectOneLineError(r, file, /missing keys \(1\): rpn\.head\.cls_logits\.weight \[3, 256, 1, 1\]/);
      expect(r.stderr).toMatch(/backbone\.fpn\.layer_blocks\.2\.0\.weight: file \[256, 256, 1, 1\], fasterrcnn_resnet50_fpn \[256, 256, 3, 3\]/);
      fs.rmSync(file);
    });

    test('a v2 state dict given as v1', async () => {
      const file = path.join(tmp, 'v2like.safetensors');
      const edited = new Map(sd);
      edited.set('roi_heads.box_head.0.0.weight', t([256, 256, 3, 3]));
      await writeSafetensors(file, edited);
      expectOneLineError(runCli(importArgs(file)), file, /a fasterrcnn_resnet50_fpn_v2 state dict .*--arch fasterrcnn_resnet50_fpn_v2/);
      fs.rmSync(file);
    });
  });

  test('export of a detector with no torchvision counterpart (C4, other widths)', () => {
    for (const [edit, pattern] of [
      [(c: { model: Record<string, unknown> }) => (c.model.type = 'c4'), /no torchvision counterpart: the paper's C4 layout/],
      [(c: { model: Record<string, unknown> }) => (c.model.arch = 'resnet18'), /no torchvision counterpart: fasterrcnn_resnet50_fpn is built on resnet50; this detector's backbone is resnet18/],
    ] as const) {
      const dir = path.join(tmp, 'c4ish');
      fs.mkdirSync(dir, { recursive: true });
      const meta = JSON.parse(fs.readFileSync(path.join(imported, 'step-0000000.json'), 'utf8'));
      edit(meta.config);
      fs.writeFileSync(path.join(dir, 'step-0000000.json'), JSON.stringify(meta));
      fs.writeFileSync(path.join(dir, 'step-0000000.safetensors'), '');
      fs.writeFileSync(path.join(dir, 'last_checkpoint'), 'step-0000000\n');
      const r = runCli(['weights', 'export', '--weights', dir, '--format', 'pth', '--out', path.join(tmp, 'x.pth')]);
      expectOneLineError(r, dir, pattern);
      fs.rmSync(dir, { recursive: true });
    }
  });
});
