/**
 * Box ops: torchvision's box_iou fixtures (1e-6) on the cpu/wasm kernel and the composite; area, clipping,
 * small-box removal, format conversions; bad input (inverted boxes, NaN, empty sets, wrong shapes); no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../engine/backend';
import { area, boxConvert, boxIou, boxIouComposite, clipBoxesToImage, removeSmallBoxes } from '../../detection/ops/box_ops';
import { boxIouInto } from '../../engine/kernels/box_iou_kernels';
import { Rng } from '../../engine/rng';

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'ops', 'box_iou.json'), 'utf8'));

describe.each(['cpu', 'wasm'])('box ops (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test.each([
    ['kernel', boxIou],
    ['composite', boxIouComposite],
  ] as const)('box_iou fixtures (%s)', (_name, fn) => {
    const before = tf.memory().numTensors;
    for (const c of fixture.cases) {
      const a = tf.tensor2d(c.boxes1);
      const b = tf.tensor2d(c.boxes2);
      const iou = fn(a, b);
      expect(iou.shape).toEqual([c.boxes1.length, c.boxes2.length]);
      const got = iou.arraySync();
      c.iou.forEach((row: number[], i: number) => row.forEach((v, j) => expect(Math.abs(got[i][j] - v)).toBeLessThan(1e-6)));
      tf.dispose([a, b, iou]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('kernel (wasm: SIMD columns) is bit-identical to the float32-step reference, degenerate boxes included', () => {
    const rng = new Rng(9);
    const box = () => {
      const x = rng.int(64) / 4, y = rng.int(64) / 4;
      const r = rng.next();
      if (r < 0.05) return [x, y, NaN, y + 3];
      if (r < 0.15) return [x, y, x - 2, y + 2]; // inverted
      if (r < 0.2) return [x, y, x, y]; // empty
      return [x, y, x + 1 + rng.int(40) / 4, y + 1 + rng.int(40) / 4];
    };
    const [N, M] = [37, 23];
    const a = Float32Array.from(Array.from({ length: N }, box).flat());
    const b = Float32Array.from(Array.from({ length: M }, box).flat());
    const want = new Float32Array(N * M);
    boxIouInto(a, N, b, M, want);
    const [ta, tb] = [tf.tensor2d(a, [N, 4]), tf.tensor2d(b, [M, 4])];
    const got = boxIou(ta, tb);
    expect(Array.from(got.dataSync()).map(String)).toEqual(Array.from(want).map(String));
    tf.dispose([ta, tb, got]);
  });

  test('area, clip, removeSmallBoxes, conversions', async () => {
    const before = tf.memory().numTensors;
    const b = tf.tensor2d([[1, 2, 5, 10], [-4, -2, 30, 3], [0, 0, 0.5, 9]]);
    const ar = area(b);
    expect(Array.from(ar.dataSync())).toEqual([32, 170, 4.5]);
    const c = clipBoxesToImage(b, [8, 20]);
    expect(c.arraySync()).toEqual([[1, 2, 5, 8], [0, 0, 20, 3], [0, 0, 0.5, 8]]);
    expect(await removeSmallBoxes(b, 1)).toEqual([0, 1]);
    const xywh = boxConvert(b, 'xyxy', 'xywh');
    expect(xywh.arraySync()[0]).toEqual([1, 2, 4, 8]);
    const cxcy = boxConvert(b, 'xyxy', 'cxcywh');
    expect(cxcy.arraySync()[0]).toEqual([3, 6, 4, 8]);
    for (const [fmt, t] of [['xywh', xywh], ['cxcywh', cxcy]] as const) {
      const back = boxConvert(t, fmt, 'xyxy');
      expect(back.arraySync()).toEqual(b.arraySync());
      const across = boxConvert(t, fmt, fmt === 'xywh' ? 'cxcywh' : 'xywh');
      expect(across.arraySync()).toEqual((fmt === 'xywh' ? cxcy : xywh).arraySync());
      tf.dispose([back, across]);
    }
    tf.dispose([b, ar, c, xywh, cxcy]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('bad input: inverted boxes, NaN, empty sets, wrong shapes', async () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor2d([[0, 0, 10, 10], [10, 0, 0, 10], [NaN, 0, 10, 10]]);
    const b = tf.tensor2d([[0, 0, 10, 10], [5, 5, 2, 2]]);
    for (const fn of [boxIou, boxIouComposite]) {
      const t = fn(a, b);
      const iou = t.arraySync();
      t.dispose();
      expect(iou[0][0]).toBe(1);
      expect(Math.abs(iou[0][1])).toBe(0); // inverted boxes intersect nothing
      expect(Math.abs(iou[1][1])).toBe(0);
      expect(iou[1][0]).toBeNaN(); // areas -100 and 100: 0/0, as torchvision
      expect(Number.isNaN(iou[2][0]) && Number.isNaN(iou[2][1])).toBe(true); // NaN propagates
    }
    expect(await removeSmallBoxes(a, 0)).toEqual([0]); // inverted and NaN boxes removed
    const none = tf.zeros([0, 4]) as tf.Tensor2D;
    for (const fn of [boxIou, boxIouComposite]) {
      const e1 = fn(none, b);
      const e2 = fn(a, none);
      expect(e1.shape).toEqual([0, 2]);
      expect(e2.shape).toEqual([3, 0]);
      tf.dispose([e1, e2]);
    }
    const ea = area(none);
    expect(ea.shape).toEqual([0]);
    expect(await removeSmallBoxes(none, 1)).toEqual([]);
    const bad = tf.zeros([3, 5]) as tf.Tensor2D;
    expect(() => boxIou(bad, b)).toThrow(/boxIou: boxes1 must have shape \[N,4\], got \[3,5\]/);
    expect(() => area(bad)).toThrow(/\[N,4\]/);
    expect(() => clipBoxesToImage(b, [NaN, 3])).toThrow(/size/);
    expect(() => boxConvert(b, 'xyxy', 'yxyx' as never)).toThrow(/unknown format/);
    tf.dispose([a, b, none, ea, bad]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
