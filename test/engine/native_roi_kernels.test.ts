/**
 * The native backend's RoIAlign / RoIPool kernels (engine/native/kernels/roi.ts, src/roi.cc) against the cpu
 * backend's JavaScript kernels on random inputs, forward and gradient, to 1e-4 relative (RoIPool forward
 * exactly): batch 1 and 2, odd sizes, channel counts that split unevenly over the threads, boxes partly outside
 * the image, tiny, larger than the image and inverted, aligned true/false, sampling ratio 0 and 2, 7x7 and
 * 14x14 outputs. Also torchvision's fixtures (test/fixtures/ops) and, when /usr/bin/python3 has torch +
 * torchvision, torchvision's forward (1e-5 absolute) and backward (1e-5 relative); the same bits on one thread
 * and two; the addon's own input checks; no leaked tensors.
 * Skipped, with a note, when the addon is not built.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../engine/backend';
import { nativeAddon, nativeThreadSetting } from '../../engine/native/addon';
import { ROI_ALIGN } from '../../engine/kernels/roi_align_kernels';
import { ROI_POOL } from '../../engine/kernels/roi_pool_kernels';
import { roiAlign, RoiAlignOptions } from '../../detection/ops/roi_align';
import { roiPool } from '../../detection/ops/roi_pool';
import { rand, relErr, size } from '../helpers/kernel_parity';
import { PYTHON, requires } from '../helpers/requirements';

const maybe = requires('native').describe;

const TOL = 1e-4;
const FIX = path.join(__dirname, '..', 'fixtures', 'ops');
const SCRIPT = path.join(__dirname, '..', 'python', 'roi_ops_reference.py');

/**
 * K rois over an image of imgH x imgW pixels for N images, cycling through kinds: ordinary, partly outside,
 * tiny (under one feature cell at stride 8), larger than the image, inverted (x2 < x1).
 */
function makeRois(K: number, N: number, imgH: number, imgW: number, seed: number): number[][] {
  const u = rand(6 * K, seed).map((v) => (v + 1) / 2);
  const rois: number[][] = [];
  for (let k = 0; k < K; k++) {
    const [a, b, c, d] = u.subarray(6 * k, 6 * k + 4);
    let box: number[];
    switch (k % 5) {
      case 0: box = [a * imgW * 0.6, b * imgH * 0.6, a * imgW * 0.6 + 8 + c * imgW * 0.4, b * imgH * 0.6 + 8 + d * imgH * 0.4]; break;
      case 1: box = [a * imgW - imgW * 0.4, b * imgH * 0.8, a * imgW + imgW * 0.3, b * imgH * 0.8 + imgH * 0.5]; break;
      case 2: box = [a * imgW, b * imgH, a * imgW + c * 4, b * imgH + d * 4]; break;
      case 3: box = [-imgW * 0.3 * a, -imgH * 0.2 * b, imgW * (1.1 + c), imgH * (1.2 + d)]; break;
      default: box = [a * imgW * 0.5 + 20, b * imgH * 0.5, a * imgW * 0.5 + 20 - c * 10, b * imgH * 0.5 + 10 + d * 20];
    }
    rois.push([k % N, ...box].map((v) => Math.fround(v)));
  }
  return rois;
}

async function runOn(backend: 'cpu' | 'native', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(f);
  const vals = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  expect(tf.memory().numTensors).toBe(before);
  return vals;
}

interface Case {
  shape: [number, number, number, number];
  K: number;
  outputSize: [number, number];
  samplingRatio: number;
  aligned: boolean;
}

/** RoIAlign and RoIPool outputs and the gradients of sum(op(f) * r) for one case. */
function roiOutputs(c: Case, seed: number): () => tf.Tensor[] {
  const [N, H, W] = c.shape;
  const rois = makeRois(c.K, N, H * 8, W * 8, seed + 1);
  return () => {
    const f = tf.tensor4d(rand(size(c.shape), seed), c.shape);
    const r = tf.tensor2d(rois, [c.K, 5]);
    const aOpts: RoiAlignOptions = { outputSize: c.outputSize, spatialScale: 1 / 8, samplingRatio: c.samplingRatio, aligned: c.aligned };
    const pOpts = { outputSize: c.outputSize, spatialScale: 1 / 8 };
    const w = tf.tensor4d(rand(c.K * c.outputSize[0] * c.outputSize[1] * c.shape[3], seed + 2), [c.K, ...c.outputSize, c.shape[3]]);
    const loss = (op: (x: tf.Tensor4D) => tf.Tensor4D) => (x: tf.Tensor) => tf.sum(tf.mul(op(x as tf.Tensor4D), w));
    const ga = tf.grad(loss((x) => roiAlign(x, r, aOpts)))(f);
    const gp = tf.grad(loss((x) => roiPool(x, r, pOpts)))(f);
    return [roiAlign(f, r, aOpts), ga, roiPool(f, r, pOpts), gp];
  };
}

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

maybe('native RoI kernels', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    await initBackend('native');
  });

  test('RoIAlign and RoIPool forward and gradients = cpu kernels (many shapes and box kinds)', async () => {
    const cases: Case[] = [
      { shape: [1, 7, 9, 3], K: 10, outputSize: [7, 7], samplingRatio: 0, aligned: true },
      { shape: [2, 11, 13, 16], K: 15, outputSize: [7, 7], samplingRatio: 2, aligned: false },
      { shape: [2, 9, 7, 37], K: 24, outputSize: [14, 14], samplingRatio: 0, aligned: false },
      { shape: [1, 13, 11, 40], K: 20, outputSize: [14, 14], samplingRatio: 2, aligned: true },
      { shape: [2, 5, 6, 64], K: 12, outputSize: [3, 5], samplingRatio: 0, aligned: true },
      { shape: [1, 1, 1, 5], K: 5, outputSize: [2, 2], samplingRatio: 0, aligned: false },
    ];
    for (const [i, c] of cases.entries()) {
      const f = roiOutputs(c, 100 + 10 * i);
      const want = await runOn('cpu', f);
      const got = await runOn('native', f);
      const names = ['roiAlign', 'roiAlign grad', 'roiPool', 'roiPool grad'];
      got.forEach((g, j) => {
        const e = relErr(g, want[j]);
        if (!(e <= TOL)) throw new Error(`${names[j]} ${JSON.stringify(c)}: relative error ${e}`);
      });
      expect(Array.from(got[2])).toEqual(Array.from(want[2])); // max pooling picks the same values
      expect(want[0].some((v) => v !== 0) && want[1].some((v) => v !== 0)).toBe(true);
    }
  });

  test('samples exactly on the edges (y = -1, y = H, x = W, ...) and rounding ties fall as on cpu', async () => {
    // half-pixel grid corners at scale 1: bilinear samples land on -1, 0, H-1, H exactly; pool corners on .5 ties
    const rois: number[][] = [];
    for (let y1 = -2; y1 <= 5; y1 += 0.5) {
      for (let x1 = -2; x1 <= 6; x1 += 0.5) rois.push([0, x1, y1, x1 + 1 + (rois.length % 3), y1 + 2 - (rois.length % 2)]);
    }
    for (const aligned of [false, true]) {
      for (const [samplingRatio, outputSize] of [[1, [1, 1]], [2, [2, 2]], [0, [2, 1]]] as [number, [number, number]][]) {
        const f = () => {
          const x = tf.tensor4d(rand(4 * 5 * 3, 9), [1, 4, 5, 3]);
          const r = tf.tensor2d(rois);
          const w = tf.tensor4d(rand(rois.length * outputSize[0] * outputSize[1] * 3, 10), [rois.length, ...outputSize, 3]);
          const opts = { outputSize, spatialScale: 1, samplingRatio, aligned };
          const ga = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(roiAlign(v as tf.Tensor4D, r, opts), w)))(x);
          const gp = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(roiPool(v as tf.Tensor4D, r, opts), w)))(x);
          return [roiAlign(x, r, opts), ga, roiPool(x, r, opts), gp];
        };
        const want = await runOn('cpu', f);
        const got = await runOn('native', f);
        got.forEach((g, j) => expect(relErr(g, want[j])).toBeLessThanOrEqual(1e-6));
      }
    }
  });

  test('one thread and two give the same bits (the backward passes write disjoint rows, in roi order)', async () => {
    const c: Case = { shape: [2, 19, 23, 48], K: 40, outputSize: [14, 14], samplingRatio: 0, aligned: true };
    const addon = nativeAddon()!;
    try {
      addon.setThreads(1);
      const one = await runOn('native', roiOutputs(c, 500));
      addon.setThreads(2);
      const two = await runOn('native', roiOutputs(c, 500));
      two.forEach((t, j) => expect(Buffer.from(t.buffer).equals(Buffer.from(one[j].buffer))).toBe(true));
    } finally {
      addon.setThreads(nativeThreadSetting());
    }
  });

  test('torchvision fixtures (test/fixtures/ops) on native', async () => {
    await tf.setBackend('native');
    const before = tf.memory().numTensors;
    const align = JSON.parse(fs.readFileSync(path.join(FIX, 'roi_align.json'), 'utf8'));
    const x = nhwc(align.input.data, align.input.shape);
    const rois = tf.tensor2d(align.rois);
    for (const cfg of align.configs) {
      const y = roiAlign(x, rois, { outputSize: cfg.output_size, spatialScale: cfg.spatial_scale, samplingRatio: cfg.sampling_ratio, aligned: cfg.aligned });
      const want = nhwc(cfg.output.data, cfg.output.shape);
      expect(maxAbsDiff(y.dataSync(), want.dataSync())).toBeLessThan(1e-5);
      tf.dispose([y, want]);
    }
    tf.dispose([x, rois]);
    const pool = JSON.parse(fs.readFileSync(path.join(FIX, 'roi_pool.json'), 'utf8'));
    const xp = nhwc(pool.input.data, pool.input.shape);
    const rp = tf.tensor2d(pool.rois);
    for (const cfg of pool.configs) {
      const y = roiPool(xp, rp, { outputSize: cfg.output_size, spatialScale: cfg.spatial_scale });
      const want = nhwc(cfg.output.data, cfg.output.shape);
      expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
      tf.dispose([y, want]);
    }
    tf.dispose([xp, rp]);
    expect(tf.memory().numTensors).toBe(before);
  });

  requires('torch').test('forward and backward equal torchvision on random inputs', async () => {
    await tf.setBackend('native');
    const before = tf.memory().numTensors;
    const [N, H, W, C, K] = [2, 9, 11, 20, 15];
    const feats = Array.from(rand(N * H * W * C, 7));
    const rois = makeRois(K, N, H * 16, W * 16, 8);
    const cases = [
      { op: 'roi_align', output_size: [7, 7], spatial_scale: 1 / 16, sampling_ratio: 0, aligned: true },
      { op: 'roi_align', output_size: [14, 14], spatial_scale: 1 / 16, sampling_ratio: 2, aligned: false },
      { op: 'roi_pool', output_size: [7, 7], spatial_scale: 1 / 16 },
    ].map((c, i) => ({ ...c, dy: Array.from(rand(K * c.output_size[0] * c.output_size[1] * C, 20 + i)) }));
    const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ features: feats, shape: [N, H, W, C], rois, cases }), maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${SCRIPT} failed: ${r.stderr}`);
    const ref = JSON.parse(r.stdout.toString()) as { out: number[]; grad: number[] }[];
    const x = tf.tensor4d(feats, [N, H, W, C]);
    const rt = tf.tensor2d(rois);
    cases.forEach((c, i) => {
      const outputSize = c.output_size as [number, number];
      const op = (f: tf.Tensor) => c.op === 'roi_align'
        ? roiAlign(f as tf.Tensor4D, rt, { outputSize, spatialScale: c.spatial_scale, samplingRatio: c.sampling_ratio!, aligned: c.aligned! })
        : roiPool(f as tf.Tensor4D, rt, { outputSize, spatialScale: c.spatial_scale });
      const dy = tf.tensor4d(c.dy, [K, outputSize[0], outputSize[1], C]);
      const g = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(op(f), dy)))(x);
      const y = op(x);
      expect(maxAbsDiff(y.dataSync(), ref[i].out)).toBeLessThan(1e-5);
      // gradients sum many bins in another order than torchvision's: relative to the largest (about 15 here)
      expect(relErr(g.dataSync() as Float32Array, Float32Array.from(ref[i].grad))).toBeLessThan(1e-5);
      tf.dispose([dy, g, y]);
    });
    tf.dispose([x, rt]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('the addon checks batch indices itself; no rois gives an empty result and a zero gradient', async () => {
    await tf.setBackend('native');
    const before = tf.memory().numTensors;
    const x = tf.ones([2, 4, 4, 3]);
    const bad = tf.tensor2d([[0, 0, 0, 2, 2], [2, 0, 0, 2, 2]]);
    const attrs = { outputSize: [2, 2], spatialScale: 1, samplingRatio: 0, aligned: false, featureShape: [2, 4, 4, 3] };
    // straight to the kernels (roiAlign / roiPool reject this earlier): the message is the addon's
    expect(() => tf.engine().runKernel(ROI_ALIGN, { features: x, rois: bad }, attrs)).toThrow(/resdet native: roi 1 has batch index 2, but features have batch size 2/);
    expect(() => tf.engine().runKernel(ROI_POOL, { features: x, rois: bad }, attrs)).toThrow(/resdet native: roi 1 has batch index 2, but features have batch size 2/);
    const none = tf.zeros([0, 5]) as tf.Tensor2D;
    const opts = { outputSize: [2, 2] as [number, number], spatialScale: 1, samplingRatio: 0, aligned: false };
    const ya = roiAlign(x as tf.Tensor4D, none, opts);
    const yp = roiPool(x as tf.Tensor4D, none, opts);
    expect(ya.shape).toEqual([0, 2, 2, 3]);
    expect(yp.shape).toEqual([0, 2, 2, 3]);
    const ga = tf.grad((f: tf.Tensor) => tf.sum(roiAlign(f as tf.Tensor4D, none, opts)))(x);
    const gp = tf.grad((f: tf.Tensor) => tf.sum(roiPool(f as tf.Tensor4D, none, opts)))(x);
    expect(Array.from(ga.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(gp.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, bad, none, ya, yp, ga, gp]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
