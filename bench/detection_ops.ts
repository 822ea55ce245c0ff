/**
 * Detection ops against torchvision's CPU ops on the same machine, the cases of bench/reference/torchvision_ops.py:
 * NMS 12,000 boxes IoU 0.7; batched NMS 20,000 boxes 80 classes IoU 0.5; RoIAlign 512 RoIs 14x14 on 1x38x50x1024
 * (scale 1/16, sampling 0, aligned) forward and forward+backward; RoIPool on the same case, forward and
 * forward+backward; box IoU 2000x50. Median ms per backend (--backends, first one in the ratio columns: wasm =
 * the default offline, native = resdet's oneDNN addon when built, cpu). torchvision's figures "this run" come
 * only from running that script (2 threads, /usr/bin/python3 with torch + torchvision) in this invocation; when
 * it cannot run (or with --no-torch) that column says so, and the stored figures of an idle machine are shown
 * in their own column labelled with their date. Inputs follow the script's generators (same distributions,
 * resdet's Rng, not the same numbers).
 *
 *   npx tsc -p . && node dist/bench/detection_ops.js [--runs 11] [--backends wasm,cpu | native,wasm] [--append bench/RESULTS.md] [--no-torch]
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../engine/backend';
import { nativeThreadSetting } from '../engine/native/addon';
import { Rng } from '../engine/rng';
import { boxIou } from '../detection/ops/box_ops';
import { batchedNms, nms } from '../detection/ops/nms';
import { roiAlign } from '../detection/ops/roi_align';
import { roiPool } from '../detection/ops/roi_pool';
import { arg } from './cli_arg';

const TORCH_SCRIPT = path.resolve(__dirname, '..', '..', 'bench', 'reference', 'torchvision_ops.py');
/** torchvision's figures on an idle machine, 2 threads (ms), measured on STORED_DATE; none for RoIPool. Never "this run". */
const STORED_DATE = '2026-11-28';
const TORCH_STORED: Record<string, number> = { nms: 95.1, batched: 22.3, raFwd: 474, raFwdBwd: 4890, iou: 0.42, rpFwd: NaN, rpFwdBwd: NaN };
const NOT_RUN: Record<string, number> = { nms: NaN, batched: NaN, raFwd: NaN, raFwdBwd: NaN, iou: NaN, rpFwd: NaN, rpFwdBwd: NaN };
const LABELS: Record<string, string> = {
  nms: 'NMS 12,000 boxes, IoU 0.7',
  batched: 'batched NMS 20,000 boxes, 80 classes, IoU 0.5',
  raFwd: 'RoIAlign fwd 512 RoIs 14x14, 1x38x50x1024',
  raFwdBwd: 'RoIAlign fwd+bwd, same',
  iou: 'box IoU 2000x50',
  rpFwd: 'RoIPool fwd 512 RoIs 14x14, 1x38x50x1024',
  rpFwdBwd: 'RoIPool fwd+bwd, same',
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Process CPU time in ms (user + system): what the op cost, whatever else the machine runs. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median wall-clock ms of `runs` calls after `warmup`; the median CPU ms goes to `cpu[key]`. */
async function timeOp(fn: () => Promise<unknown> | unknown, runs: number, cpu: Record<string, number>, key: string, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = cpuMs();
    const t0 = process.hrtime.bigint();
    await fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    cs.push(cpuMs() - c0);
  }
  cpu[key] = median(cs);
  return median(ts);
}

const normal = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());

/** torchvision_ops.py's boxes_around_objects: n boxes around nCentres objects (30..300 px) in an 800x600 image. */
function jitteredBoxes(rng: Rng, n: number, nCentres: number): Float32Array {
  const [W, H] = [800, 600];
  const c = Array.from({ length: nCentres }, () => [rng.next() * 270 + 30, rng.next() * 270 + 30, rng.next() * W, rng.next() * H]);
  const out = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [cw, ch, cx, cy] = c[rng.int(nCentres)];
    const w = cw * Math.exp(normal(rng) * 0.2), h = ch * Math.exp(normal(rng) * 0.2);
    const x = cx + normal(rng) * 0.15 * cw, y = cy + normal(rng) * 0.15 * ch;
    const clampX = (v: number) => Math.min(Math.max(v, 0), W), clampY = (v: number) => Math.min(Math.max(v, 0), H);
    out.set([clampX(x - w / 2), clampY(y - h / 2), clampX(x + w / 2), clampY(y + h / 2)], 4 * i);
  }
  return out;
}

async function benchBackend(name: string, runs: number, cpu: Record<string, number>): Promise<Record<string, number>> {
  await initBackend(name);
  const rng = new Rng(0);
  const res: Record<string, number> = {};
  const timeMs = (fn: () => Promise<unknown> | unknown, n: number, key: string) => timeOp(fn, n, cpu, key);
  const b12 = tf.tensor2d(jitteredBoxes(rng, 12000, 50), [12000, 4]);
  const s12 = tf.tensor1d(Float32Array.from({ length: 12000 }, () => rng.next()));
  res.nms = await timeMs(() => nms(b12, s12, 0.7), runs, 'nms');
  res.nmsKept = (await nms(b12, s12, 0.7)).length;
  const b20 = tf.tensor2d(jitteredBoxes(rng, 20000, 200), [20000, 4]);
  const s20 = tf.tensor1d(Float32Array.from({ length: 20000 }, () => rng.next()));
  const c20 = tf.tensor1d(Int32Array.from({ length: 20000 }, () => rng.int(80)), 'int32');
  res.batched = await timeMs(() => batchedNms(b20, s20, c20, 0.5), runs, 'batched');
  res.batchedKept = (await batchedNms(b20, s20, c20, 0.5)).length;

  const feat = tf.randomNormal([1, 38, 50, 1024], 0, 1, 'float32', 0) as tf.Tensor4D;
  const rois = new Float32Array(512 * 5);
  for (let k = 0; k < 512; k++) {
    const w = rng.next() * 368 + 32, h = rng.next() * 368 + 32;
    const x = rng.next() * (800 - w), y = rng.next() * (608 - h);
    rois.set([0, x, y, x + w, y + h], 5 * k);
  }
  const r = tf.tensor2d(rois, [512, 5]);
  const opts = { outputSize: [14, 14] as [number, number], spatialScale: 1 / 16, samplingRatio: 0, aligned: true };
  const dy = tf.ones([512, 14, 14, 1024]);
  // the kernels run synchronously on cpu/wasm: no read-back of the 411 MB result (torchvision_ops.py reads none)
  res.raFwd = await timeMs(() => roiAlign(feat, r, opts).dispose(), runs, 'raFwd');
  const g = tf.grad((f: tf.Tensor) => roiAlign(f as tf.Tensor4D, r, opts));
  res.raFwdBwd = await timeMs(() => g(feat, dy).dispose(), Math.max(3, Math.floor(runs / 2)), 'raFwdBwd');
  const poolOpts = { outputSize: opts.outputSize, spatialScale: opts.spatialScale };
  res.rpFwd = await timeMs(() => roiPool(feat, r, poolOpts).dispose(), runs, 'rpFwd');
  const gp = tf.grad((f: tf.Tensor) => roiPool(f as tf.Tensor4D, r, poolOpts));
  res.rpFwdBwd = await timeMs(() => gp(feat, dy).dispose(), Math.max(3, Math.floor(runs / 2)), 'rpFwdBwd');

  const a = tf.tensor2d(jitteredBoxes(rng, 2000, 50), [2000, 4]);
  const bb = tf.tensor2d(jitteredBoxes(rng, 50, 50), [50, 4]);
  res.iou = await timeMs(() => boxIou(a, bb).dispose(), Math.max(runs, 101), 'iou');
  tf.dispose([b12, s12, b20, s20, c20, feat, r, dy, a, bb]);
  return res;
}

/** torchvision's figures measured now by bench/reference/torchvision_ops.py, or NaN for each with why it did not run. */
function runTorch(runs: number): { figures: Record<string, number>; source: string } {
  const p = spawnSync('/usr/bin/python3', [TORCH_SCRIPT, '--threads', '2', '--runs', String(runs)], { encoding: 'utf8', timeout: 20 * 60 * 1000 });
  let why = (p.stderr || String(p.error ?? `exit code ${p.status}`)).trim().split('\n').pop();
  if (p.status === 0) {
    try {
      const j = JSON.parse(p.stdout.trim().split('\n').pop()!) as { torch: string; torchvision: string; ops: Record<string, { median_ms: number }>; kept: Record<string, number> };
      const figures = Object.fromEntries(Object.keys(NOT_RUN).map((k) => [k, j.ops[k]?.median_ms ?? NaN]));
      return { figures, source: `bench/reference/torchvision_ops.py --threads 2 --runs ${runs}, this run (torch ${j.torch}, torchvision ${j.torchvision}; NMS kept ${j.kept.nms}, batched NMS kept ${j.kept.batched})` };
    } catch (e) {
      why = `unreadable output: ${(e as Error).message}`;
    }
  }
  return { figures: NOT_RUN, source: `not run in this run (bench/reference/torchvision_ops.py: ${why})` };
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs', '11'));
  const backends = arg('--backends', 'wasm,cpu').split(',');
  const append = arg('--append', '');
  const ours: Record<string, Record<string, number>> = {};
  const cpu: Record<string, Record<string, number>> = {};
  const load0 = os.loadavg()[0];
  for (const b of backends) ours[b] = await benchBackend(b, runs, (cpu[b] = {}));
  const torch = process.argv.includes('--no-torch') ? { figures: NOT_RUN, source: 'not run in this run (--no-torch)' } : runTorch(runs);
  const load1 = os.loadavg()[0];
  const fmt = (v: number) => (!Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : 'n/a');
  const w = backends[0];
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const head = [`op`, `resdet ${w} (ms)`, `resdet ${w} CPU (ms)`, ...backends.slice(1).map((b) => `resdet ${b} (ms)`),
    'torchvision, this run (ms)', `torchvision, stored ${STORED_DATE}, idle machine (ms)`, `${w} / torch this run`, `${w} CPU / torch stored`];
  const lines = [row(head), row(head.map((_, i) => (i ? '---:' : '---')))];
  for (const k of Object.keys(LABELS)) {
    lines.push(row([LABELS[k], fmt(ours[w][k]), fmt(cpu[w][k]), ...backends.slice(1).map((b) => fmt(ours[b][k])),
      fmt(torch.figures[k]), fmt(TORCH_STORED[k]), ratio(ours[w][k], torch.figures[k]), ratio(cpu[w][k], TORCH_STORED[k])]));
  }
  const kept = backends.map((b) => `${b}: NMS kept ${ours[b].nmsKept}, batched NMS kept ${ours[b].batchedKept}`).join('; ');
  const table = lines.join('\n');
  console.log(table);
  console.log(`torchvision: ${torch.source}; ${kept}`);
  const loadNote = `load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end`;
  console.log(loadNote);
  console.log(JSON.stringify({ resdet: ours, resdetCpu: cpu, torch: torch.figures, torchSource: torch.source, torchStored: { date: STORED_DATE, figures: TORCH_STORED }, load: [load0, load1] }));
  if (append) {
    const cpus = os.cpus();
    const section = [
      '',
      '## Detection ops',
      '',
      `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus.length} cores (${cpus[0]?.model ?? '?'}), node ${process.version}, ` +
        `backends ${backends.join(' and ')} (wasm: 1 thread, SIMD; native: the oneDNN addon, ${nativeThreadSetting()} threads), median of ${runs} runs ` +
        `(fwd+bwd ${Math.max(3, Math.floor(runs / 2))}, IoU ${Math.max(runs, 101)}). Goal: within 2x of torchvision on the default backend.`,
      `torchvision: ${torch.source}. Inputs from the same generators with a different RNG (${kept}).`,
      `Wall-clock medians; "CPU" = resdet's process CPU time per call (${loadNote}: other jobs shared the 2 cores, so`,
      `wall times of both sides are inflated; "stored" = torchvision with 2 threads on an idle machine on ${STORED_DATE}, not measured in this run; "-" = none).`,
      `Command: \`npx tsc -p . && node dist/bench/detection_ops.js --backends ${backends.join(',')} --runs ${runs} --append bench/RESULTS.md\``,
      '',
      table,
      '',
    ].join('\n');
    if (!fs.existsSync(append)) fs.writeFileSync(append, '# Benchmark results\n');
    fs.appendFileSync(append, section);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
