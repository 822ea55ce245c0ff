/**
 * Sums exactly as numpy's `np.sum` / `np.mean` do on a contiguous float64 array: pairwise summation (8-way
 * unrolled below 128 elements) inside blocks of 8192 elements (numpy's buffer size), blocks added in order.
 * Matching numpy's order makes means agree with pycocotools to the last bit, not only to rounding.
 */
const BLOCK = 8192;

function pairwise(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[lo + i];
    return s;
  }
  if (n <= 128) {
    let r0 = a[lo], r1 = a[lo + 1], r2 = a[lo + 2], r3 = a[lo + 3];
    let r4 = a[lo + 4], r5 = a[lo + 5], r6 = a[lo + 6], r7 = a[lo + 7];
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      r0 += a[lo + i]; r1 += a[lo + i + 1]; r2 += a[lo + i + 2]; r3 += a[lo + i + 3];
      r4 += a[lo + i + 4]; r5 += a[lo + i + 5]; r6 += a[lo + i + 6]; r7 += a[lo + i + 7];
    }
    let s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) s += a[lo + i];
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
}

/** `np.sum(a)` for a float64 vector. */
export function numpySum(a: ArrayLike<number>): number {
  let s = 0;
  for (let o = 0; o < a.length; o += BLOCK) s += pairwise(a, o, Math.min(BLOCK, a.length - o));
  return s;
}

/** `np.mean(a)`; NaN for an empty vector (callers check emptiness first). */
export function numpyMean(a: ArrayLike<number>): number {
  return numpySum(a) / a.length;
}
