import { clipAndFilter, topK } from '../../detection/ops/host_boxes';
import { Rng } from '../../engine/rng';

/** The definition: every index sorted by descending value, ties by ascending index, NaN last. */
function topKReference(v: number[], k: number): number[] {
  const key = (x: number) => (Number.isNaN(x) ? -Infinity : x);
  return v.map((_, i) => i).sort((a, b) => key(v[b]) - key(v[a]) || a - b).slice(0, Math.max(0, k));
}

describe('topK', () => {
  test('agrees with a full sort on values with many ties, NaN and infinities', () => {
    const rng = new Rng(3);
    for (const n of [1, 2, 17, 500, 5000]) {
      const v = Array.from({ length: n }, () => {
        const r = rng.next();
        if (r < 0.05) return NaN;
        if (r < 0.07) return -Infinity;
        if (r < 0.09) return Infinity;
        return Math.round(rng.next() * 40) / 4 - 5; // many exact ties
      });
      for (const k of [0, 1, 3, Math.floor(n / 2), n - 1, n, n + 5]) {
        expect(Array.from(topK(Float32Array.from(v), k))).toEqual(topKReference(Array.from(Float32Array.from(v)), k));
      }
    }
  });

  test('hand-made: ties keep index order, NaN ranks last', () => {
    expect(Array.from(topK([1, 3, NaN, 3, 2], 4))).toEqual([1, 3, 4, 0]);
    expect(Array.from(topK([NaN, NaN], 1))).toEqual([0]);
    expect(Array.from(topK([], 3))).toEqual([]);
  });
});

test('clipAndFilter clips to the image and drops small or non-finite boxes, keeping input order', () => {
  const boxes = Float32Array.from([-5, -5, 20, 30, 10, 10, 10.5, 40, 90, 50, 120, 70, 0, 0, 8, 8]);
  const scores = Float32Array.from([0.9, 0.8, 0.7, NaN]);
  const r = clipAndFilter(boxes, scores, { width: 100, height: 60 }, 1);
  expect(Array.from(r.index)).toEqual([0, 2]);
  expect(Array.from(r.boxes)).toEqual([0, 0, 20, 30, 90, 50, 100, 60]);
  expect(Array.from(r.scores)).toEqual([Math.fround(0.9), Math.fround(0.7)]);
});
