/**
 * Faster R-CNN speed at the paper's scale: a 3x600x800 image, batch 1, ResNet-50, random weights — inference
 * ms/image and training ms/step per backend, peak RSS and the tensor count across steps, next to
 * torchvision built the same way (bench/reference/torchvision_faster_rcnn.py, run in the same invocation with the
 * first --proposals and --rois; when it cannot run, or with --no-torch, a line says it was not measured).
 *
 * Built as the torchvision reference is: random init, every layer trainable, batch norm in training mode, SGD lr 0.01
 * momentum 0.9; with `--batch-norm config`, on both sides as the config trains: frozen batch norm (resdet's folded into
 * the convolutions; torchvision's FrozenBatchNorm2d) and the stages before model.freezeAt frozen, batch norm
 * statistics calibrated from one pass first (with a random network's, frozen batch norm gives NaN at the 2nd step).
 * Random weights leave a random RPN whose proposals collapse in NMS, so — on both sides — the RPN's NMS is
 * switched off (threshold 1.01) and the box head gets exactly
 * `--proposals` test proposals (the script checks the count); training samples `--rois` RoIs per image
 * (torchvision's default 512; the paper's 128). Each backend runs in its own child process so that peak RSS is
 * its own. `--steps-flat N` runs N more training steps and reports the tensor count before and after.
 *
 *   npx tsc -p . && node dist/bench/detector_speed.js [--backends native,wasm] [--config configs/faster_rcnn_R_50_C4_voc0712.yaml]
 *     [--batch-norm train|config] [--rois 512,128] [--proposals 1000,300] [--runs 3] [--warmup 1] [--no-torch] [--json out.json]
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../engine/backend';
import { loadConfig } from '../run/config';
import { DETECTOR_DEFAULTS, DETECTOR_SCHEMA, DetectorConfig } from '../detection/config';
import { benchInference, benchTraining, BenchBatchNorm, BENCH_BATCH_NORMS } from '../detection/detector_bench';
import { arg } from './cli_arg';

const ROOT = path.resolve(__dirname, '..', '..');
const TORCH_SCRIPT = path.resolve(ROOT, 'bench', 'reference', 'torchvision_faster_rcnn.py');
const H = 600;
const W = 800;
const NUM_CLASSES = 20;

const CONFIG = arg('--config', 'configs/faster_rcnn_R_50_C4_voc0712.yaml');
const BATCH_NORM = arg('--batch-norm', 'train') as BenchBatchNorm;
let benchCfg: DetectorConfig | undefined;
const loadBenchConfig = (): DetectorConfig => (benchCfg ??= loadConfig<DetectorConfig>({ file: CONFIG, defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA }));
/** The config's layout ('c4' | 'fpn'): which torchvision model to build for the comparison. */
const layout = (): string => loadBenchConfig().model.type ?? 'c4';
const list = (s: string) => s.split(',').filter(Boolean).map(Number);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface BackendFigures {
  backend: string;
  description: string;
  infer: Record<string, { median_ms: number; runs_ms: number[]; detections: number }>;
  train: Record<string, { median_ms: number; runs_ms: number[]; losses: number[] }>;
  tensors_before_train: number;
  tensors_after_train: number;
  peak_rss_mib: number;
  threads: string;
}

/** Child process: one backend, every setting (detection/detector_bench.ts). */
async function child(backend: string): Promise<BackendFigures> {
  const description = await initBackend(backend);
  const cfg = loadBenchConfig();
  const runs = Number(arg('--runs', '3'));
  const warmup = Number(arg('--warmup', '1'));
  const im = { height: H, width: W };
  const figures: BackendFigures = {
    backend, description, infer: {}, train: {}, tensors_before_train: 0, tensors_after_train: 0, peak_rss_mib: 0,
    threads: process.env.RESDET_THREADS ?? String(os.cpus().length),
  };
  for (const p of list(arg('--proposals', '1000,300'))) {
    const r = await benchInference(cfg, NUM_CLASSES, im, p, runs, warmup, { batchNorm: BATCH_NORM });
    figures.infer[`${p}_proposals`] = { median_ms: median(r.ms), runs_ms: r.ms, detections: r.detections };
    console.error(`${backend} infer ${p} proposals: ${median(r.ms).toFixed(0)} ms`);
  }
  for (const n of list(arg('--rois', '512,128'))) {
    const r = await benchTraining(cfg, NUM_CLASSES, im, n, runs + Number(arg('--steps-flat', '0')), warmup, { batchNorm: BATCH_NORM });
    const timed = r.ms.slice(0, runs);
    figures.train[`${n}_rois`] = { median_ms: median(timed), runs_ms: timed, losses: r.losses };
    figures.tensors_before_train = r.tensorsBefore;
    figures.tensors_after_train = r.tensorsAfter;
    console.error(`${backend} train ${n} RoIs: ${median(timed).toFixed(0)} ms/step`);
  }
  figures.peak_rss_mib = process.resourceUsage().maxRSS / 1024;
  return figures;
}

interface TorchFigures {
  torchvision: string;
  threads: number;
  infer: { median_ms: number };
  infer_rois_to_box_head: number;
  box_head: { median_ms: number };
  box_head_rois: number;
  train?: { median_ms: number; runs_ms: number[] };
  train_rois_to_box_head?: number;
  /** RoIs the box head got in each warm-up and timed step */
  train_rois_per_step?: number[];
}

/** torchvision's figures measured now, or why they were not. */
function runTorch(): { measured: TorchFigures } | { notRun: string } {
  if (process.argv.includes('--no-torch')) return { notRun: '--no-torch' };
  const args = [TORCH_SCRIPT, '--layout', layout(), '--threads', String(os.cpus().length), '--flush-denormal', '--runs', arg('--runs', '3'),
    '--warmup', arg('--warmup', '1'), '--proposals', String(list(arg('--proposals', '1000,300'))[0]), '--rois', String(list(arg('--rois', '512,128'))[0])];
  if (BATCH_NORM === 'config') {
    const m = loadBenchConfig().model;
    if (m.batchNorm === 'frozen') args.push('--frozen-bn');
    args.push('--freeze-at', String(m.freezeAt));
  }
  try {
    const out = execFileSync('/usr/bin/python3', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    return { measured: JSON.parse(out.trim().split('\n').pop() as string) };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return { notRun: (err.stderr || err.message).trim().split('\n').pop() as string };
  }
}

async function main(): Promise<void> {
  if (!BENCH_BATCH_NORMS.includes(BATCH_NORM)) throw new Error(`--batch-norm must be one of ${BENCH_BATCH_NORMS.join(', ')}, got '${BATCH_NORM}'`);
  const childBackend = arg('--child', '');
  if (childBackend) {
    process.stdout.write(JSON.stringify(await child(childBackend)) + '\n');
    return;
  }
  const results: BackendFigures[] = [];
  const load0 = os.loadavg()[0];
  for (const b of arg('--backends', 'native,wasm').split(',')) {
    const r = spawnSync(process.execPath, [__filename, ...process.argv.slice(2), '--child', b], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      console.error(`${b}: failed (exit ${r.status})`);
      continue;
    }
    results.push(JSON.parse(r.stdout.trim().split('\n').pop() as string));
  }
  const torch = runTorch();
  const report = { date: new Date().toISOString(), load_avg_start: load0, load_avg_end: os.loadavg()[0], image: `1x${H}x${W}x3`, results,
    torch: 'measured' in torch ? torch.measured : null, torch_not_run: 'notRun' in torch ? torch.notRun : undefined };
  const rows = results.flatMap((f) => [
    ...Object.entries(f.infer).map(([k, v]) => `| ${f.description} | inference, ${k.replace('_', ' ')} | ${v.median_ms.toFixed(0)} ms/image | ${f.peak_rss_mib.toFixed(0)} MiB |`),
    ...Object.entries(f.train).map(([k, v]) => `| ${f.description} | training step, ${k.replace('_', ' ')} | ${v.median_ms.toFixed(0)} ms/step | tensors ${f.tensors_before_train} → ${f.tensors_after_train} |`),
  ]);
  console.log(`${path.basename(CONFIG)}, 1x3x${H}x${W}, batch norm ${BATCH_NORM === 'config' ? 'as the config says' : 'trainable everywhere'}, load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}\n| backend | what | median | peak RSS / tensors |\n|---|---|---|---|\n${rows.join('\n')}`);
  if ('measured' in torch) {
    const t = torch.measured;
    const who = `torchvision ${t.torchvision}, ${t.threads} threads, this run`;
    console.log([
      `| ${who} | inference, RPN NMS off (${t.infer_rois_to_box_head} RoIs reached the box head) | ${t.infer.median_ms.toFixed(0)} ms/image | |`,
      `| ${who} | box head alone on ${t.box_head_rois} proposals | ${t.box_head.median_ms.toFixed(0)} ms | |`,
      ...(t.train ? [`| ${who} | training step, ${(t.train_rois_per_step ?? [t.train_rois_to_box_head]).join('/')} RoIs per step | ${t.train.median_ms.toFixed(0)} ms/step (${t.train.runs_ms.map((v) => (v / 1000).toFixed(1)).join(', ')} s) | |`] : []),
    ].join('\n'));
  } else {
    console.log(`torchvision: not measured in this run (${torch.notRun})`);
  }
  const out = arg('--json', '');
  if (out) fs.writeFileSync(out, JSON.stringify(report, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
