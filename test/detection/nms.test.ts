/**
 * NMS and batched NMS: every torchvision fixture reproduced exactly (order, ties, IoU exactly at the
 * threshold); against a brute-force reference on random sets; bad input; no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { batchedNms, batchedNmsArrays, nms, nmsArrays } from '../../detection/ops/nms';

const load = (f: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'ops', f), 'utf8'));
const single = load('nms.json');
const batched = load('batched_nms.json');

/** The textbook loop (stable sort, compare with every kept box), IoU in float32 steps as torchvision. */
function reference(b: number[][], s: number[], thr: number, cls?: number[]): number[] {
  const order = s.map((_, i) => i).sort((i, j) => s[j] - s[i] || i - j);
  const keep: number[] = [];
  const f = Math.fround;
  const iou = (p: number[], q: number[]) => {
    const w = Math.max(0, f(Math.min(p[2], q[2]) - Math.max(p[0], q[0])));
    const h = Math.max(0, f(Math.min(p[3], q[3]) - Math.max(p[1], q[1])));
    const area = (r: number[]) => f(f(r[2] - r[0]) * f(r[3] - r[1]));
    const inter = f(w * h);
    return f(inter / f(f(area(p) + area(q)) - inter));
  };
  for (const i of order) if (keep.every((k) => (cls && cls[k] !== cls[i]) || !(iou(b[k], b[i]) > thr))) keep.push(i);
  return keep;
}

describe.each(['cpu', 'wasm'])('NMS (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('nms fixtures: indices exactly', async () => {
    const before = tf.memory().numTensors;
    for (const c of single.cases) {
      const b = tf.tensor2d(c.boxes, [c.boxes.length, 4]);
      const s = tf.tensor1d(c.scores);
      for (const thr of single.iou_thresholds) expect([c.name, thr, await nms(b, s, thr)]).toEqual([c.name, thr, c.keep[String(thr)]]);
      tf.dispose([b, s]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('batched_nms fixtures: indices exactly', async () => {
    const before = tf.memory().numTensors;
    for (const c of batched.cases) {
      const b = tf.tensor2d(c.boxes);
      const s = tf.tensor1d(c.scores);
      const ids = tf.tensor1d(c.idxs, 'int32');
      for (const thr of batched.iou_thresholds) expect(await batchedNms(b, s, ids, thr)).toEqual(c.keep[String(thr)]);
      tf.dispose([b, s, ids]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('random sets agree with a brute-force reference', async () => {
    const rng = new Rng(5);
    for (let t = 0; t < 20; t++) {
      const n = 50 + rng.int(200);
      const boxes = Array.from({ length: n }, () => {
        const x = rng.int(40) * 4, y = rng.int(40) * 4;
        return [x, y, x + 8 + rng.int(24) * 2, y + 8 + rng.int(24) * 2];
      });
      const scores = Array.from({ length: n }, () => rng.int(16) / 16); // many ties
      const cls = Array.from({ length: n }, () => rng.int(4));
      const thr = [0.3, 0.45, 0.7, 0, -0.5][t % 5]; // t <= 0 takes the unwindowed loop
      const [b, s, c] = [tf.tensor2d(boxes), tf.tensor1d(scores), tf.tensor1d(cls, 'int32')];
      expect(await nms(b, s, thr)).toEqual(reference(boxes, scores, thr));
      expect(await batchedNms(b, s, c, thr)).toEqual(reference(boxes, scores, thr, cls));
      tf.dispose([b, s, c]);
    }
  });

  test('bad input: empty, inverted boxes, NaN, mismatched lengths', async () => {
    const before = tf.memory().numTensors;
    const none = tf.zeros([0, 4]) as tf.Tensor2D;
    const noScores = tf.zeros([0]) as tf.Tensor1D;
    expect(await nms(none, noScores, 0.5)).toEqual([]);
    expect(await batchedNms(none, noScores, noScores, 0.5)).toEqual([]);
    // an inverted box intersects nothing: it is kept and suppresses nothing
    const b = tf.tensor2d([[0, 0, 10, 10], [10, 10, 0, 0], [1, 1, 10, 10]]);
    const s = tf.tensor1d([0.9, 0.8, 0.7]);
    expect(await nms(b, s, 0.5)).toEqual([0, 1]);
    const nanBox = tf.tensor2d([[0, 0, 10, 10], [NaN, 0, 5, 5]]);
    const s2 = tf.tensor1d([0.5, 0.4]);
    await expect(nms(nanBox, s2, 0.5)).rejects.toThrow(/nms: box 1 has a NaN coordinate/);
    const nanScore = tf.tensor1d([0.5, NaN]);
    const b2 = tf.tensor2d([[0, 0, 10, 10], [0, 0, 5, 5]]);
    await expect(nms(b2, nanScore, 0.5)).rejects.toThrow(/score 1 is NaN/);
    await expect(nms(b, s2, 0.5)).rejects.toThrow(/scores must have shape \[3\], got \[2\]/);
    const ids2 = tf.tensor1d([0, 1], 'int32');
    await expect(batchedNms(b, s, ids2, 0.5)).rejects.toThrow(/classIds must have shape \[3\]/);
    const frac = tf.tensor1d([0, 0.5, 1]);
    await expect(batchedNms(b, s, frac, 0.5)).rejects.toThrow(/not an integer/);
    await expect(nms(b, s, NaN)).rejects.toThrow(/iouThreshold/);
    const wrong = tf.zeros([3, 5]) as tf.Tensor2D;
    await expect(nms(wrong, s, 0.5)).rejects.toThrow(/boxes must have shape \[N,4\]/);
    tf.dispose([none, noScores, b, s, nanBox, s2, nanScore, b2, ids2, frac, wrong]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('maxKeep stops NMS early with exactly the first maxKeep of the full result (plain and per class)', () => {
  const rng = new Rng(21);
  const n = 3000;
  const b = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const cx = 10 + rng.next() * 300, cy = 10 + rng.next() * 200, w = 4 + rng.next() * 80, h = 4 + rng.next() * 80;
    b.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * i);
  }
  const s = Float32Array.from({ length: n }, () => Math.round(rng.next() * 500) / 500); // ties
  const c = Int32Array.from({ length: n }, () => Math.floor(rng.next() * 5));
  const full = nmsArrays(b, s, 0.7);
  const fullBatched = batchedNmsArrays(b, s, c, 0.5);
  expect(full.length).toBeGreaterThan(300);
  for (const m of [0, 1, 50, 300, full.length, full.length + 10]) {
    expect(nmsArrays(b, s, 0.7, m)).toEqual(full.slice(0, m));
    expect(batchedNmsArrays(b, s, c, 0.5, m)).toEqual(fullBatched.slice(0, m));
  }
});
