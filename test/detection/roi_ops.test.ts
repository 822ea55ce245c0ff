/**
 * RoIAlign / RoIPool: torchvision's golden outputs (test/fixtures/ops, NCHW there, NHWC here) on cpu and wasm
 * kernels and on the composite fallback; gradients against finite differences and the composite; against
 * torchvision's backward on random inputs when /usr/bin/python3 has torch + torchvision (skipped otherwise);
 * bad input; no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { roiAlign, roiAlignComposite } from '../../detection/ops/roi_align';
import { roiPool, roiPoolComposite } from '../../detection/ops/roi_pool';
import { PYTHON, requires } from '../helpers/requirements';

const FIX = path.join(__dirname, '..', 'fixtures', 'ops');
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(FIX, f), 'utf8'));
const SCRIPT = path.join(__dirname, '..', 'python', 'roi_ops_reference.py');
const testTorch = requires('torch').test;

/** NCHW flat → NHWC tensor. */
function nhwc(data: number[], [n, c, h, w]: number[]): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, [n, c, h, w]), [0, 2, 3, 1]));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function randomRois(rng: Rng, K: number, N: number, imgH: number, imgW: number): number[][] {
  const rois: number[][] = [];
  for (let k = 0; k < K; k++) {
    const x1 = rng.next() * imgW * 1.2 - 0.1 * imgW;
    const y1 = rng.next() * imgH * 1.2 - 0.1 * imgH;
    const w = rng.next() * imgW * 0.8 - (k % 7 === 6 ? imgW * 0.1 : 0); // some inverted
    const h = rng.next() * imgH * 0.8;
    rois.push([rng.int(N), x1, y1, x1 + w, y1 + h].map((v) => Math.fround(v)));
  }
  return rois;
}

/** Random features, rois (some outside the image, tiny or inverted) and dy; torchvision's answers, once per file. */
let cached: ReturnType<typeof makeReference> | null = null;
const torchReference = () => (cached ??= makeReference());
function makeReference() {
  const rng = new Rng(11);
  const [N, H, W, C, K] = [2, 9, 11, 4, 12];
  const feats = Array.from({ length: N * H * W * C }, () => Math.fround(rng.next() * 4 - 2));
  const roisArr = randomRois(rng, K, N, H * 16, W * 16);
  const cases = [
    { op: 'roi_align', output_size: [7, 7], spatial_scale: 1 / 16, sampling_ratio: 0, aligned: true },
    { op: 'roi_align', output_size: [7, 7], spatial_scale: 1 / 16, sampling_ratio: 0, aligned: false },
    { op: 'roi_align', output_size: [5, 4], spatial_scale: 1 / 16, sampling_ratio: 2, aligned: true },
    { op: 'roi_align', output_size: [3, 3], spatial_scale: 1 / 16, sampling_ratio: 3, aligned: false },
    { op: 'roi_pool', output_size: [7, 7], spatial_scale: 1 / 16 },
    { op: 'roi_pool', output_size: [3, 5], spatial_scale: 1 / 16 },
  ].map((c) => ({ ...c, dy: Array.from({ length: K * c.output_size[0] * c.output_size[1] * C }, () => Math.fround(rng.next() * 2 - 1)) }));
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ features: feats, shape: [N, H, W, C], rois: roisArr, cases }), maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${SCRIPT} failed: ${r.stderr}`);
  const ref = JSON.parse(r.stdout.toString()) as { out: number[]; grad: number[] }[];
  return { N, H, W, C, K, feats, roisArr, cases, ref };
}

const align = load('roi_align.json');
const pool = load('roi_pool.json');
type Impl = 'kernel' | 'composite';

describe.each(['cpu', 'wasm'])('RoI ops (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test.each<Impl>(['kernel', 'composite'])('roi_align fixtures (%s)', (impl) => {
    const before = tf.memory().numTensors;
    const x = nhwc(align.input.data, align.input.shape);
    const rois = tf.tensor2d(align.rois);
    for (const cfg of align.configs) {
      const opts = { outputSize: cfg.output_size, spatialScale: cfg.spatial_scale, samplingRatio: cfg.sampling_ratio, aligned: cfg.aligned };
      const y = impl === 'kernel' ? roiAlign(x, rois, opts) : roiAlignComposite(x, rois, opts, 500); // ~1 roi per chunk
      const want = nhwc(cfg.output.data, cfg.output.shape);
      expect(y.shape).toEqual(want.shape);
      expect(maxAbsDiff(y.dataSync(), want.dataSync())).toBeLessThan(1e-5);
      tf.dispose([y, want]);
    }
    tf.dispose([x, rois]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test.each<Impl>(['kernel', 'composite'])('roi_pool fixture, exact (%s)', (impl) => {
    const before = tf.memory().numTensors;
    const x = nhwc(pool.input.data, pool.input.shape);
    const rois = tf.tensor2d(pool.rois);
    const cfg = pool.configs[0];
    const y = (impl === 'kernel' ? roiPool : roiPoolComposite)(x, rois, { outputSize: cfg.output_size, spatialScale: cfg.spatial_scale });
    const want = nhwc(cfg.output.data, cfg.output.shape);
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([x, rois, y, want]);
    expect(tf.memory().numTensors).toBe(before);
  });

  // C = 4 takes wasm's SIMD channel loops, C = 3 the JavaScript ones
  test.each([3, 4])('gradients, C=%i: kernel = composite, and finite differences', (C) => {
    const before = tf.memory().numTensors;
    const rng = new Rng(3);
    const [N, H, W] = [2, 6, 7];
    const x = tf.tensor4d(Array.from({ length: N * H * W * C }, () => rng.next() * 2 - 1), [N, H, W, C]);
    const rois = tf.tensor2d(randomRois(rng, 5, N, H * 8, W * 8));
    const w = tf.tensor4d(Array.from({ length: 5 * 3 * 2 * C }, () => rng.next() * 2 - 1), [5, 3, 2, C]);
    const aOpts = { outputSize: [3, 2] as [number, number], spatialScale: 1 / 8, samplingRatio: 0, aligned: true };
    const pOpts = { outputSize: [3, 2] as [number, number], spatialScale: 1 / 8 };
    const fns: [string, (f: tf.Tensor4D) => tf.Tensor4D, (f: tf.Tensor4D) => tf.Tensor4D][] = [
      ['align', (f) => roiAlign(f, rois, aOpts), (f) => roiAlignComposite(f, rois, aOpts)],
      ['pool', (f) => roiPool(f, rois, pOpts), (f) => roiPoolComposite(f, rois, pOpts)],
    ];
    for (const [, kernel, composite] of fns) {
      const lossOf = (op: (f: tf.Tensor4D) => tf.Tensor4D) => (f: tf.Tensor) => tf.sum(tf.mul(op(f as tf.Tensor4D), w));
      const gk = tf.grad(lossOf(kernel))(x);
      const gc = tf.grad(lossOf(composite))(x);
      expect(maxAbsDiff(gk.dataSync(), gc.dataSync())).toBeLessThan(1e-5);
      // central differences on a few coordinates (float64 of a float32 loss: eps large enough)
      const xv = x.dataSync();
      const g = gk.dataSync();
      const eps = 1e-2;
      for (const i of [0, 17, 41, 100, 150, 200, 251]) {
        const at = (d: number) => tf.tidy(() => {
          const v = Float32Array.from(xv);
          v[i] += d;
          return lossOf(kernel)(tf.tensor4d(v, x.shape)).dataSync()[0];
        });
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        expect(Math.abs(fd - g[i])).toBeLessThan(2e-3);
      }
      tf.dispose([gk, gc]);
    }
    tf.dispose([x, rois, w]);
    expect(tf.memory().numTensors).toBe(before);
  });

  testTorch('forward and backward equal torchvision on random inputs', () => {
    const before = tf.memory().numTensors;
    const { N, H, W, C, K, feats, roisArr, cases, ref } = torchReference();
    const x = tf.tensor4d(feats, [N, H, W, C]);
    const rois = tf.tensor2d(roisArr);
    cases.forEach((c, i) => {
      const outputSize = c.output_size as [number, number];
      const op = (f: tf.Tensor) =>
        c.op === 'roi_align'
          ? roiAlign(f as tf.Tensor4D, rois, { outputSize, spatialScale: c.spatial_scale, samplingRatio: c.sampling_ratio!, aligned: c.aligned! })
          : roiPool(f as tf.Tensor4D, rois, { outputSize, spatialScale: c.spatial_scale });
      const dy = tf.tensor4d(c.dy, [K, outputSize[0], outputSize[1], C]);
      const { value, grads } = tf.valueAndGrads((f: tf.Tensor) => tf.sum(tf.mul(op(f), dy)))([x]);
      const y = op(x);
      expect(maxAbsDiff(y.dataSync(), ref[i].out)).toBeLessThan(1e-5);
      expect(maxAbsDiff(grads[0].dataSync(), ref[i].grad)).toBeLessThan(1e-5);
      tf.dispose([dy, value, y, ...grads]);
    });
    tf.dispose([x, rois]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('bad input: clear errors; empty roi set; inverted rois follow torchvision', () => {
    const before = tf.memory().numTensors;
    const x = tf.ones([2, 4, 4, 3]) as tf.Tensor4D;
    const opts = { outputSize: [2, 2] as [number, number], spatialScale: 1, samplingRatio: 0, aligned: false };
    const run = (r: number[][]) => () => {
      const rois = tf.tensor2d(r.length ? r : [], [r.length, r[0]?.length ?? 5]);
      try {
        tf.dispose(roiAlign(x, rois, opts));
      } finally {
        rois.dispose();
      }
    };
    const runPool = (r: number[][]) => () => {
      const rois = tf.tensor2d(r);
      try {
        tf.dispose(roiPool(x, rois, opts));
      } finally {
        rois.dispose();
      }
    };
    expect(run([[2, 0, 0, 2, 2]])).toThrow(/roi 0 has batch index 2, but features have batch size 2/);
    expect(run([[-1, 0, 0, 2, 2]])).toThrow(/batch index -1/);
    expect(run([[0.5, 0, 0, 2, 2]])).toThrow(/batch index 0.5/);
    expect(run([[0, NaN, 0, 2, 2]])).toThrow(/non-finite coordinate/);
    expect(runPool([[3, 0, 0, 2, 2]])).toThrow(/batch index 3/);
    expect(runPool([[0, 0, NaN, 2, 2]])).toThrow(/non-finite/);
    expect(run([[0, 0, 0, 2]])).toThrow(/rois must have shape \[K,5\]/);
    const r1 = () => tf.zeros([1, 5]) as tf.Tensor2D;
    expect(() => tf.tidy(() => roiAlign(tf.ones([4, 4, 3]) as unknown as tf.Tensor4D, r1(), opts))).toThrow(/NHWC/);
    expect(() => tf.tidy(() => roiAlign(x, r1(), { ...opts, outputSize: [0, 2] }))).toThrow(/outputSize/);
    expect(() => tf.tidy(() => roiAlign(x, r1(), { ...opts, samplingRatio: 1.5 }))).toThrow(/samplingRatio/);
    // empty roi set: a valid empty result, and a zero gradient
    const none = tf.zeros([0, 5]) as tf.Tensor2D;
    const ya = roiAlign(x, none, opts);
    const yp = roiPool(x, none, opts);
    expect(ya.shape).toEqual([0, 2, 2, 3]);
    expect(yp.shape).toEqual([0, 2, 2, 3]);
    const g = tf.grad((f: tf.Tensor) => tf.sum(roiAlign(f as tf.Tensor4D, none, opts)))(x);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    // x2 < x1: aligned=false clamps the size to 1 cell; aligned=true with adaptive sampling takes no sample
    const inv = tf.tensor2d([[0, 3, 1, 1, 3]]);
    const yInvA = roiAlign(x, inv, { ...opts, aligned: true });
    expect(Array.from(yInvA.dataSync()).every((v) => v === 0)).toBe(true);
    const yInv = roiAlign(x, inv, opts);
    expect(Array.from(yInv.dataSync()).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    tf.dispose([none, ya, yp, g, inv, yInvA, yInv, x]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
