/**
 * ResNet-50 classification at batch 1 (one 224x224 image) on the engines resdet can run it on, in one invocation:
 * resdet's tfjs backends (default: native), ONNX Runtime for Node (onnxruntime-node, CPU) on the model as
 * `resdet export` writes it, and PyTorch (bench/reference/torch_resnet50_infer.py; said so when it cannot run).
 * All three compute the same network: a random ResNet-50 whose batch norm statistics are set by one training-mode
 * pass with momentum 1 (a random net's mean 0 / variance 1 overflow in 50 layers), saved once and loaded by each
 * engine; the bench checks that their logits agree. Each engine runs in its own process, one after the other, with
 * the same thread count (--threads, default: the cores). Prints the median ms per image of each (over --iters
 * runs after --warmup) and the ratios to ONNX Runtime's.
 *
 *   npx tsc -p . && node dist/bench/onnx_classify.js [--iters 30] [--warmup 5] [--threads N] [--backends native,wasm]
 *     [--no-torch] [--json out.json]
 *
 * What each engine is timed on: resdet, `model.classify(x)` on the normalised NHWC tensor and reading the logits
 * back (batch norm folded into the convolutions, as in every eval-mode forward); ONNX Runtime, `session.run` on the
 * 0–255 NCHW input (the exported graph normalises it: one Mul and one Add over the image) and the logits; PyTorch,
 * `model(x)` under torch.no_grad() on the normalised NCHW tensor.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, backendChoice } from '../engine/backend';
import { buildResNet, ResNet } from '../backbone/resnet';
import { saveCheckpoint } from '../run/checkpoint';
import { loadClassifier, imagenetClassNames, ClassifierInfo } from '../backbone/classifier/checkpoint';
import { normalisedInput } from '../backbone/classifier/predict';
import { exportClassifier } from '../export/classifier/export_classifier';
import { OnnxClassifier, nchw } from '../export/runtime/onnx_classifier';
import { toTorchLayout } from '../engine/torch_layout';
import { writeTorchStateDict } from '../engine/pth/torch_save';
import { HostTensor } from '../engine/host_tensor';
import { median } from '../engine/throughput';
import { arg } from './cli_arg';
import { calibrateBatchNorm } from './calibrate_classifier';

const ROOT = path.resolve(__dirname, '..', '..');
const TORCH_SCRIPT = path.join(ROOT, 'bench', 'reference', 'torch_resnet50_infer.py');
const SIZE = 224;

const ITERS = Number(arg('--iters', '30'));
const WARMUP = Number(arg('--warmup', '5'));
const THREADS = Number(arg('--threads', String(os.cpus().length)));

interface Figures {
  engine: string;
  description: string;
  median_ms: number;
  runs_ms: number[];
  logits: number[];
}

/** The files every engine reads: the checkpoint, its ONNX export, a torch.save copy, the image (raw and normalised). */
interface Workload {
  dir: string;
  checkpoint: string;
  onnx: string;
  pth: string;
  /** 224x224x3 u8 RGB */
  pixels: string;
  /** the normalised image, NCHW float32 (for PyTorch) */
  normalisedNchw: string;
}

const INFO = (model: ResNet): ClassifierInfo => ({
  arch: 'resnet50', options: model.options, classNames: imagenetClassNames(), imageShape: null,
  mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
});

function timeRuns(fn: () => unknown): number[] {
  for (let i = 0; i < WARMUP; i++) fn();
  return Array.from({ length: ITERS }, () => {
    const t = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t) / 1e6;
  });
}

async function timeRunsAsync(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < ITERS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    ts.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return ts;
}

function imagePixels(): Uint8Array {
  let s = 12345;
  return Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return ((s >>> 16) % 160) + ((i >> 7) % 96);
  });
}

/** Builds, calibrates and writes the one network and image every engine uses. */
async function prepare(dir: string): Promise<Workload> {
  await initBackend(arg('--prepare-backend', 'auto'));
  const w: Workload = {
    dir, checkpoint: path.join(dir, 'resnet50.safetensors'), onnx: path.join(dir, 'resnet50.onnx'), pth: path.join(dir, 'resnet50.pth'),
    pixels: path.join(dir, 'image.u8'), normalisedNchw: path.join(dir, 'image.f32'),
  };
  const model = buildResNet('resnet50');
  const info = INFO(model);
  const pixels = imagePixels();
  const img = { data: pixels, width: SIZE, height: SIZE };
  const calib = tf.tidy(() => tf.concat([normalisedInput(img, info, 3), tf.randomNormal([3, SIZE, SIZE, 3], 0, 1, 'float32', 3)]) as tf.Tensor4D);
  calibrateBatchNorm(model, calib);
  calib.dispose();
  await saveCheckpoint(dir, 'resnet50', model, { kind: 'classifier', step: 0, classifier: info });
  fs.writeFileSync(w.onnx, exportClassifier(model, info, { source: 'bench/onnx_classify' }));
  const host = new Map<string, HostTensor>();
  for (const [name, t] of model.stateDict()) {
    const p = toTorchLayout({ shape: t.shape.slice(), data: t.dataSync() as Float32Array });
    host.set(name, { dtype: 'float32', shape: p.shape, data: p.data });
  }
  await writeTorchStateDict(w.pth, host);
  fs.writeFileSync(w.pixels, pixels);
  const x = normalisedInput(img, info, 3);
  const chw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);
  x.dispose();
  fs.writeFileSync(w.normalisedNchw, Buffer.from(chw.buffer, chw.byteOffset, chw.byteLength));
  model.dispose();
  return w;
}

/** Child: resdet on one tfjs backend. */
async function resdetChild(backend: string, w: Workload): Promise<Figures> {
  await initBackend(backend);
  const description = backendChoice()?.reason ?? backend;
  const { model, info } = await loadClassifier(w.checkpoint);
  const x = normalisedInput({ data: fs.readFileSync(w.pixels), width: SIZE, height: SIZE }, info, 3);
  let logits: Float32Array = new Float32Array(0);
  const runs_ms = timeRuns(() => {
    const y = model.classify(x);
    logits = y.dataSync() as Float32Array;
    y.dispose();
  });
  x.dispose();
  model.dispose();
  return { engine: `resdet ${backend}`, description, median_ms: median(runs_ms), runs_ms, logits: Array.from(logits) };
}

/** Child: ONNX Runtime on the exported file. */
async function onnxruntimeChild(w: Workload): Promise<Figures> {
  process.env.RESDET_THREADS = String(THREADS); // the session's intra-op threads (export/runtime/onnxruntime.ts)
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const c = await OnnxClassifier.open(fs.readFileSync(w.onnx), null as unknown as ClassifierInfo, w.onnx);
  const input = nchw({ data: fs.readFileSync(w.pixels), width: SIZE, height: SIZE });
  let logits: Float32Array = new Float32Array(0);
  const runs_ms = await timeRunsAsync(async () => {
    logits = await c.logits(input, [1, 3, SIZE, SIZE]);
  });
  c.dispose();
  const description = `onnxruntime-node ${ort.env.versions.node ?? ''} (CPU, ${THREADS} intra-op threads)`;
  return { engine: 'onnxruntime', description, median_ms: median(runs_ms), runs_ms, logits: Array.from(logits) };
}

function runChild(engine: string, w: Workload): Figures {
  const env = { ...process.env, RESDET_THREADS: String(THREADS) };
  const out = execFileSync(process.execPath, [__filename, '--child', engine, '--workload', JSON.stringify(w), '--iters', String(ITERS), '--warmup', String(WARMUP), '--threads', String(THREADS)],
    { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

/** PyTorch measured now, or why it was not. */
function runTorch(w: Workload): Figures | { notRun: string } {
  if (process.argv.includes('--no-torch')) return { notRun: '--no-torch' };
  try {
    const out = execFileSync('/usr/bin/python3', [TORCH_SCRIPT, '--weights', w.pth, '--input', w.normalisedNchw, '--threads', String(THREADS),
      '--iters', String(ITERS), '--warmup', String(WARMUP), '--flush-denormal'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    const r = JSON.parse(out.trim().split('\n').pop() as string);
    return { engine: 'pytorch', description: `torch ${r.torch}, torchvision ${r.torchvision} (${r.threads} threads)`, median_ms: r.median_ms, runs_ms: r.runs_ms, logits: r.logits };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return { notRun: (err.stderr || err.message).trim().split('\n').pop() as string };
  }
}

/** Largest |difference| of two engines' logits over the largest |logit|. */
function disagreement(a: number[], b: number[]): number {
  const scale = Math.max(...a.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

async function main(): Promise<void> {
  const child = arg('--child', '');
  if (child) {
    const w = JSON.parse(arg('--workload', '{}')) as Workload;
    const figures = child === 'onnxruntime' ? await onnxruntimeChild(w) : await resdetChild(child, w);
    process.stdout.write(JSON.stringify(figures) + '\n');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-onnx-bench-'));
  try {
    const w = await prepare(dir);
    const rows: Figures[] = [];
    for (const backend of arg('--backends', 'native').split(',')) rows.push(runChild(backend, w));
    rows.push(runChild('onnxruntime', w));
    const torch = runTorch(w);
    if ('engine' in torch) rows.push(torch);
    const ort = rows.find((r) => r.engine === 'onnxruntime')!;
    process.stdout.write(`ResNet-50, batch 1, 3x${SIZE}x${SIZE}, ${THREADS} threads, median of ${ITERS} runs after ${WARMUP} warm-up (this run; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})\n`);
    for (const r of rows) {
      process.stdout.write(`  ${r.engine.padEnd(16)} ${r.median_ms.toFixed(1).padStart(8)} ms   ${(r.median_ms / ort.median_ms).toFixed(2)}x onnxruntime's   max logit difference to onnxruntime ${disagreement(ort.logits, r.logits).toExponential(1)}   ${r.description}\n`);
    }
    if (!('engine' in torch)) process.stdout.write(`  pytorch: not measured in this run (${torch.notRun})\n`);
    const worst = Math.max(...rows.map((r) => disagreement(ort.logits, r.logits)));
    if (worst > 1e-3) process.stdout.write(`  WARNING: the engines' logits differ by ${worst.toExponential(1)} of their scale: they did not compute the same network\n`);
    const json = arg('--json', '');
    if (json) fs.writeFileSync(json, JSON.stringify({ threads: THREADS, iters: ITERS, warmup: WARMUP, loadavg: os.loadavg(), rows, torch: 'engine' in torch ? undefined : torch }, null, 2) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
