/**
 * The detector's host loops in the native addon (engine/native/src/boxes.cc: pairwise IoU, anchor matching,
 * top-k, greedy NMS) give bit for bit what their JavaScript originals give — the JS loops are the ones checked
 * against torchvision elsewhere (test/detection/box_ops, nms, matcher). Inputs made to hit the edges: coordinates
 * on a coarse grid (ties, IoUs exactly at the threshold), empty and inverted boxes, NaN, ±Infinity, -0 and
 * subnormal values; scores with many ties, NaN and -0. Also the RPN's whole proposal selection on both paths, and
 * that the native path is the one taken on the native backend (and not with RESDET_HOST_LOOPS=js).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { boxIouInto } from '../../engine/kernels/box_iou_kernels';
import { nativeHostLoops } from '../../engine/native/host_loops';
import { Matcher } from '../../detection/modeling/matcher';
import { topK } from '../../detection/ops/host_boxes';
import { batchedNmsArrays, nmsArrays } from '../../detection/ops/nms';
import { selectProposals } from '../../detection/modeling/rpn_proposals';
import { BoxCoder } from '../../detection/modeling/box_coder';
import { Rng } from '../../engine/rng';
import { requires } from '../helpers/requirements';

const { describe: describeNative } = requires('native');

/** Runs f with the JS loops, then with the native ones. */
function bothPaths<T>(f: () => T): { js: T; native: T } {
  process.env.RESDET_HOST_LOOPS = 'js';
  let js: T;
  try {
    js = f();
  } finally {
    delete process.env.RESDET_HOST_LOOPS;
  }
  return { js, native: f() };
}

const SPECIAL = [NaN, Infinity, -Infinity, -0, 1e-40, -1e-40, 3e-45];

/** n xyxy boxes on a grid of `step` in [0, 64) (ties, exact-threshold overlaps); a share are empty, inverted or special. */
function boxes(n: number, rng: Rng, step: number, special: number): Float32Array {
  const b = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const x = Math.floor(rng.next() * 64 / step) * step, y = Math.floor(rng.next() * 64 / step) * step;
    const w = Math.floor(rng.next() * 32 / step) * step, h = Math.floor(rng.next() * 32 / step) * step;
    b.set([x, y, x + w, y + h], 4 * i);
    const kind = rng.next();
    if (kind < special) b[4 * i + Math.floor(rng.next() * 4)] = SPECIAL[Math.floor(rng.next() * SPECIAL.length)];
    else if (kind < 2 * special) b.set([x + w, y, x, y + h], 4 * i); // inverted
  }
  return b;
}

function scores(n: number, rng: Rng, levels: number): Float32Array {
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    s[i] = u < 0.03 ? NaN : u < 0.06 ? -0 : Math.floor(rng.next() * levels) / levels - 0.5;
  }
  return s;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describeNative('native host loops equal the JS loops', () => {
  beforeAll(async () => {
    await initBackend('native');
  });

  test('the native loops are taken on the native backend, the JS ones with RESDET_HOST_LOOPS=js', () => {
    expect(nativeHostLoops()).not.toBeNull();
    const { js, native } = bothPaths(() => nativeHostLoops());
    expect(js).toBeNull();
    expect(native).not.toBeNull();
  });

  test.each([
    [7, 300, 4, 0],
    [13, 1000, 1, 0.1],
    [3, 50, 8, 0.3],
  ])('pairwise IoU of %i x %i boxes (grid %i, special share %f) bit for bit, from column 0 and 17', (N, M, step, special) => {
    const rng = new Rng(N * 1000 + M);
    const a = boxes(N, rng, step, special), b = boxes(M, rng, step, special);
    for (const from of [0, 17]) {
      const { js, native } = bothPaths(() => {
        const out = new Float32Array(N * M).fill(7);
        boxIouInto(a, N, b, M, out, from);
        return out;
      });
      expect(bits(native).equals(bits(js))).toBe(true);
    }
  });

  test.each([
    [0.7, 0.3, true],
    [0.5, 0.5, false],
    [0.5, 0.0, true],
  ])('matching at thresholds %f / %f (low-quality matches %s) equals the JS matcher', (high, low, allowLow) => {
    const rng = new Rng(5);
    for (const [M, N, step] of [[1, 500, 4], [9, 3000, 2], [20, 800, 8]]) {
      const g = boxes(M, rng, step, 0.05), p = boxes(N, rng, step, 0.05);
      const q = new Float32Array(M * N);
      bothPaths(() => boxIouInto(g, M, p, N, q)); // the same IoUs either way (checked above)
      for (let i = 0; i < q.length; i++) if (Number.isNaN(q[i])) q[i] = 0; // the matcher refuses NaN
      const { js, native } = bothPaths(() => new Matcher(high, low, allowLow).matchArray(q, M, N));
      expect(Array.from(native)).toEqual(Array.from(js));
    }
  });

  test('a NaN quality is refused with the same message on both paths', () => {
    const q = new Float32Array(12).fill(0.5);
    q[7] = NaN;
    const { js, native } = bothPaths(() => {
      try {
        new Matcher(0.7, 0.3).matchArray(q, 3, 4);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(js).toBe('Matcher: quality [1, 3] is NaN');
    expect(native).toBe(js);
  });

  test('top-k with ties, NaN and -0 gives the same indices in the same order', () => {
    const rng = new Rng(11);
    for (const [n, k, levels] of [[20000, 1000, 50], [300, 300, 5], [1000, 0, 10], [64, 100, 3], [5000, 17, 100000]]) {
      const s = scores(n, rng, levels);
      const { js, native } = bothPaths(() => topK(s, k));
      expect(Array.from(native)).toEqual(Array.from(js));
    }
  });

  test.each([0.7, 0.5, 0.0, -0.5])('NMS at threshold %f (plain and per class, with and without a cap; plain also with a fractional and a NaN cap) equals the JS pass', (thr) => {
    const rng = new Rng(Math.round(thr * 100) + 3);
    for (const [n, step, special] of [[500, 2, 0.02], [2000, 4, 0], [300, 1, 0.2]]) {
      const b = boxes(n, rng, step, special);
      const s = scores(n, rng, 40).map((v) => (Number.isNaN(v) ? 0.25 : v));
      const c = Int32Array.from({ length: n }, () => Math.floor(rng.next() * 5));
      for (const cap of [Infinity, 50, 2.5, NaN, 0]) {
        const plain = bothPaths(() => nmsArrays(b, s, thr, cap));
        expect(plain.native).toEqual(plain.js);
        if (!(cap === Infinity || Number.isInteger(cap))) continue; // batchedNmsArrays takes whole caps only
        const perClass = bothPaths(() => batchedNmsArrays(b, s, c, thr, cap));
        expect(perClass.native).toEqual(perClass.js);
      }
    }
  });

  test('the RPN proposal selection of a batch (5 levels, clipping, per-level NMS) is identical', () => {
    const rng = new Rng(21);
    const perLevel = [3000, 750, 192, 48, 12];
    const NA = perLevel.reduce((a, b) => a + b, 0);
    const anchors = boxes(NA, rng, 1, 0).map((v) => v * 4);
    const N = 3;
    const obj = Float32Array.from({ length: N * NA }, () => Math.floor(rng.next() * 200) / 50 - 2);
    const del = Float32Array.from({ length: N * NA * 4 }, () => (rng.next() - 0.5) * 0.6);
    const sizes = [{ width: 256, height: 192 }, { width: 200, height: 256 }, { width: 256, height: 256 }];
    const coder = new BoxCoder([1, 1, 1, 1]);
    const { js, native } = bothPaths(() => selectProposals(obj, del, anchors, perLevel, sizes, coder, { preNmsTopN: 500, postNmsTopN: 300, nmsThresh: 0.7, minSize: 1 }));
    expect(native.length).toBe(N);
    native.forEach((p, i) => {
      expect(p.boxes.length).toBeGreaterThan(100);
      expect(bits(p.boxes).equals(bits(js[i].boxes))).toBe(true);
      expect(bits(p.scores).equals(bits(js[i].scores))).toBe(true);
    });
    expect(tf.memory().numTensors).toBe(0);
  });
});
