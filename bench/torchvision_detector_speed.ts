/**
 * torchvision's fasterrcnn_resnet50_fpn (v1) inference at torchvision's resolution, resdet next to torchvision
 * in the same run: the reference model of the tests (test/python/make_torchvision_detector.py: built as for the
 * COCO weights, random weights calibrated to give real detections), imported with `weights import`, on a
 * 600x1000 image that both resize to 800x1333 (padded 800x1344). resdet: `Detector.detectFiles` (decode,
 * torch-bilinear resize, backbone, RPN, box head, postprocess); torchvision: `model([image])` on the decoded
 * image (transform, backbone, RPN, box head, postprocess). Medians of --runs after one warm-up each.
 * v2 (fasterrcnn_resnet50_fpn_v2) is not in this branch (built on branch tv-v2); its descriptor entry adds it.
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
    const [first] = await detector.detectFiles([image]);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await detector.detectFiles([image]);
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    detector.dispose();
    const torch = JSON.parse(execFileSync(PY, [REF, 'time', path.join(tmp, 'v1.pth'), image, String(runs)], { encoding: 'utf8' }));
    const result = {
      model: 'fasterrcnn_resnet50_fpn (v1)',
      image: '600x1000 → 800x1333 (padded 800x1344)',
      resdet: { backend, threads: backendChoice()?.reason, median_s: median(times), times, detections: first.scores.length },
      torchvision: torch,
      ratio_resdet_over_torchvision: median(times) / torch.median_s,
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
