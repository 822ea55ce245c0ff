/**
 * torchvision's fasterrcnn_resnet50_fpn (v1) inference at torchvision's resolution, resdet next to torchvision
 * in the same run: the reference model of the tests (test/python/make_torchvision_detector.py: built as for the
 * COCO weights, random weights calibrated to give real detections), imported with `weights import`, on a
 * 600x1000 image that both resize to 800x1333 (padded 800x1344). resdet: `Detector.detectFiles` (decode,
 * torch-bilinear resize, backbone, RPN, box head, postprocess); torchvision: `model([image])` on the decoded
 * image (transform, backbone, RPN, box head, postprocess); ONNX Runtime (onnxruntime-node, CPU): the same imported
 * checkpoint as `resdet export` writes it, through `loadDetector(dir, { engine: 'onnxruntime' })` and its
 * `detectFiles` (decode, then one graph from the 0-255 image to the detections: resize, network, postprocess).
 * Medians of --runs after one warm-up each; the share of resdet's detections that ONNX Runtime reproduces (same
 * label, IoU >= 0.99, score within 1e-3) shows that both computed the same thing. --no-onnxruntime leaves it out.
 * v2 (fasterrcnn_resnet50_fpn_v2) has its own bench, bench/fpn_v2_speed.ts.
 *
 *   npx tsc -p . && node dist/bench/torchvision_detector_speed.js [--backend native] [--runs 5] [--json out.json]
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, backendChoice } from '../engine/backend';
import { loadDetector, ObjectDetector } from '../detection/detector';
import { ImageDetections } from '../detection/inference';
import { importTorchvisionDetector } from '../detection/torchvision_import';
import { FASTERRCNN_RESNET50_FPN } from '../detection/torchvision_detectors';

const ROOT = path.resolve(__dirname, '..', '..');
const PY = '/usr/bin/python3';
const MAKE = path.join(ROOT, 'test', 'python', 'make_torchvision_detector.py');
const REF = path.join(ROOT, 'bench', 'reference', 'torchvision_detector.py');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median seconds of `runs` calls of detectFiles([image]) after one warm-up, and the warm-up's detections. */
async function timeDetector(detector: ObjectDetector, image: string, runs: number): Promise<{ first: ImageDetections; times: number[] }> {
  const [first] = await detector.detectFiles([image]);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await detector.detectFiles([image]);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { first, times };
}

function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const w = Math.max(0, Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]));
  const h = Math.max(0, Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]));
  const area = (x: ArrayLike<number>, k: number) => (x[4 * k + 2] - x[4 * k]) * (x[4 * k + 3] - x[4 * k + 1]);
  return (w * h) / (area(a, i) + area(b, j) - w * h);
}

/** Share of `ref`'s detections found in `other`: same label, IoU >= 0.99, score within 1e-3. */
function reproduced(ref: ImageDetections, other: ImageDetections): number {
  const n = ref.scores.length;
  let found = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < other.scores.length; j++) {
      if (other.labels[j] === ref.labels[i] && Math.abs(other.scores[j] - ref.scores[i]) <= 1e-3 && iou(ref.boxes, i, other.boxes, j) >= 0.99) {
        found++;
        break;
      }
    }
  }
  return n ? found / n : 1;
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs', '5'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-tv-bench-'));
  try {
    execFileSync(PY, [MAKE, 'make', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
    const image = path.join(tmp, 'img_600x1000.png');
    execFileSync(PY, [REF, 'image', image, '600', '1000']);
    const backend = await initBackend(arg('--backend', 'native'));
    await importTorchvisionDetector(FASTERRCNN_RESNET50_FPN, path.join(tmp, 'v1.pth'), path.join(tmp, 'imported'));
    const detector = await loadDetector(path.join(tmp, 'imported'));
    const { first, times } = await timeDetector(detector, image, runs);
    detector.dispose();
    let onnxruntime: Record<string, unknown> | string = '--no-onnxruntime';
    if (!process.argv.includes('--no-onnxruntime')) {
      const ort = await loadDetector(path.join(tmp, 'imported'), { engine: 'onnxruntime' });
      const o = await timeDetector(ort, image, runs);
      ort.dispose();
      const version = (require('onnxruntime-node') as typeof import('onnxruntime-node')).env.versions.node;
      onnxruntime = { version, threads: process.env.RESDET_THREADS ?? 'its default (the physical cores)', median_s: median(o.times), times: o.times, detections: o.first.scores.length, reproduced_share: reproduced(first, o.first) };
    }
    const torch = JSON.parse(execFileSync(PY, [REF, 'time', path.join(tmp, 'v1.pth'), image, String(runs)], { encoding: 'utf8' }));
    const result = {
      model: 'fasterrcnn_resnet50_fpn (v1)',
      image: '600x1000 → 800x1333 (padded 800x1344)',
      resdet: { backend, threads: backendChoice()?.reason, median_s: median(times), times, detections: first.scores.length },
      torchvision: torch,
      onnxruntime,
      ratio_resdet_over_torchvision: median(times) / torch.median_s,
      ratio_resdet_over_onnxruntime: typeof onnxruntime === 'string' ? null : median(times) / (onnxruntime.median_s as number),
      loadavg: os.loadavg(),
    };
    process.stdout.write(JSON.stringify(result, null, 1) + '\n');
    const json = arg('--json', '');
    if (json) fs.writeFileSync(json, JSON.stringify(result, null, 1) + '\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
