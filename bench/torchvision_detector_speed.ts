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
import { loadDetector } from '../detection/detector';
import { importTorchvisionDetector } from '../detection/torchvision_import';
import { FASTERRCNN_RESNET50_FPN } from '../detection/torchvision_detectors';
import { median, reproduced, timeDetector } from './detector_timing';
import { arg } from './cli_arg';

const ROOT = path.resolve(__dirname, '..', '..');
const PY = '/usr/bin/python3';
const MAKE = path.join(ROOT, 'test', 'python', 'make_torchvision_detector.py');
const REF = path.join(ROOT, 'bench', 'reference', 'torchvision_detector.py');

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
