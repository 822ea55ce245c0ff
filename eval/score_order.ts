/**
 * Stable descending order of scores (ties keep input order) without a comparator callback: sort the values
 * natively, give each input its rank among the distinct values, then place indices by a counting sort. Same
 * result as numpy's argsort(-scores, kind='mergesort').
 */
export function stableDescendingOrder(scores: ArrayLike<number>, n: number): Int32Array {
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = scores[i];
  sorted.sort();
  const distinct = new Float64Array(n); // descending
  let u = 0;
  for (let i = n - 1; i >= 0; i--) if (u === 0 || sorted[i] !== distinct[u - 1]) distinct[u++] = sorted[i];
  const rank = new Int32Array(n);
  const start = new Int32Array(u + 1);
  for (let i = 0; i < n; i++) {
    const v = scores[i];
    let lo = 0;
    let hi = u - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid] > v) lo = mid + 1;
      else hi = mid;
    }
    rank[i] = lo;
    start[lo + 1]++;
  }
  for (let r = 0; r < u; r++) start[r + 1] += start[r];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[start[rank[i]]++] = i;
  return order;
}

/** Sorts idx[0..n) by descending score[idx]; equal scores keep their order (a stable sort). Insertion sort when short. */
export function sortIndicesByScore(idx: Int32Array, n: number, score: Float64Array): void {
  if (n <= 32) {
    for (let i = 1; i < n; i++) {
      const v = idx[i];
      const s = score[v];
      let j = i - 1;
      while (j >= 0 && score[idx[j]] < s) {
        idx[j + 1] = idx[j];
        j--;
      }
      idx[j + 1] = v;
    }
    return;
  }
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = score[idx[i]];
  const order = stableDescendingOrder(scores, n);
  const copy = idx.slice(0, n);
  for (let i = 0; i < n; i++) idx[i] = copy[order[i]];
}
