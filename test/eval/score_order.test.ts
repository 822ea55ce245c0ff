/** The comparator-free stable descending order equals a stable comparator sort (numpy mergesort of -score). */
import { sortIndicesByScore, stableDescendingOrder } from '../../eval/score_order';

test('ties keep input order, for short and long inputs', () => {
  let seed = 11;
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (const n of [0, 1, 5, 33, 200, 5000]) {
    const scores = Float64Array.from({ length: n }, () => Math.round(rand() * 20) / 20); // many ties
    if (n > 3) [scores[1], scores[2]] = [0, -0];
    const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    expect(Array.from(stableDescendingOrder(scores, n))).toEqual(want);
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    sortIndicesByScore(idx, n, scores);
    expect(Array.from(idx)).toEqual(want);
  }
});
