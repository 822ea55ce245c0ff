/**
 * Inference speed of torchvision's fasterrcnn_resnet50_fpn_v2 at torchvision's resolution: one 1088x800 image
 * (short side 800, no resize; padded size equal), ResNet-50, 91 classes, 1000 proposals per level before and
 * after NMS — resdet on the native backend next to torchvision in the same invocation, one after the other.
 * Weights: torchvision's v2 with random but confident weights (test/python/torchvision_fpn_v2.py make), so
 * that the RPN and box head work on realistic numbers of proposals and detections, imported with
 * `weights import`'s code. resdet's time is `detector.model.detect` on the normalised tensor plus reading the
 * detections back (the image decode is not timed; torchvision's includes its transform, which is a no-op
 * resize plus normalisation here). Median of `--runs` after one warm-up run each.
 *
 *   npx tsc -p . && RESDET_THREADS=2 node dist/bench/fpn_v2_speed.js [--runs 3] [--json out.json]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { loadDetector } from '../detection/detector';
import { importTorchvisionDetector } from '../detection/torchvision_import';
import { FASTERRCNN_RESNET50_FPN_V2 } from '../detection/torchvision_detectors';
import { arg } from './cli_arg';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'test', 'python', 'torchvision_fpn_v2.py');
const H = 800;
const W = 1088;

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main(): Promise<void> {
  const runs = Number(arg('--runs', '3'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-v2-speed-'));
  try {
    const threads = process.env.RESDET_THREADS ?? '2';
    execFileSync('/usr/bin/python3', [SCRIPT, 'make', tmp, '1', `${H}x${W}`], { stdio: 'inherit', env: { ...process.env, RESDET_THREADS: threads } });
    const torch = JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, 'time', path.join(tmp, 'model.pth'), path.join(tmp, 'image_0.png'), String(runs)], {
      encoding: 'utf8', env: { ...process.env, RESDET_THREADS: threads },
    })) as { ms: number[]; detections: number; threads: number };

    const backend = await initBackend('native');
    await importTorchvisionDetector(FASTERRCNN_RESNET50_FPN_V2, path.join(tmp, 'model.pth'), path.join(tmp, 'run'));
    const detector = await loadDetector(path.join(tmp, 'run'));
    const x = tf.tensor4d(new Float32Array(fs.readFileSync(path.join(tmp, 'input.f32')).buffer.slice(0)), [1, H, W, 3]);
    const ms: number[] = [];
    let found = 0;
    for (let k = 0; k <= runs; k++) {
      const t0 = performance.now();
      const [d] = detector.model.detect(x, [{ width: W, height: H }]);
      if (k) ms.push(performance.now() - t0);
      found = d.scores.length;
    }
    x.dispose();
    const result = {
      image: `${W}x${H}`, runs, load: os.loadavg()[0],
      resdet: { backend, threads: Number(process.env.RESDET_THREADS ?? os.cpus().length), ms_median: median(ms), ms, detections: found },
      torchvision: { threads: torch.threads, ms_median: median(torch.ms), ms: torch.ms, detections: torch.detections },
    };
    console.log(JSON.stringify(result, null, 1));
    const out = arg('--json', '');
    if (out) fs.writeFileSync(out, JSON.stringify(result, null, 1));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
