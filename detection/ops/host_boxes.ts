/**
 * Box arithmetic on host arrays (N*4 x1,y1,x2,y2, network-input pixels) for the parts of the detector that
 * run outside tensors: top-k selection, clipping with small-box removal, intersection over a crowd region.
 */
import { ImageSize } from '../structures';
import { nativeHostLoops } from '../../engine/native/host_loops';

/** The value that would sit at position `m` if `a` were sorted ascending (quickselect; reorders `a`). */
function nthSmallest(a: Float64Array, m: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (m <= j) hi = j;
    else if (m >= i) lo = i;
    else return a[m];
  }
  return a[m];
}

/**
 * Indices of the k largest values, by descending value (ties: ascending index; NaN counts as -Infinity).
 * The RPN asks for ~1,000 of ~20,000 anchors per level: a quickselect on a copy finds the k-th largest value,
 * and only the k indices at or above it are sorted with a comparator (sorting all n indices with one cost
 * 9 ms of the demo's training step).
 */
export function topK(values: ArrayLike<number>, k: number): Int32Array {
  const n = values.length;
  k = Math.max(0, Math.min(k, n));
  const native = values instanceof Float32Array ? nativeHostLoops() : null;
  if (native) {
    const out = new Int32Array(k);
    native.topK(values as Float32Array, k, out);
    return out;
  }
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) key[i] = values[i] === values[i] ? values[i] : -Infinity;
  let picked: Int32Array;
  if (k === n) picked = Int32Array.from({ length: n }, (_, i) => i);
  else {
    const kth = nthSmallest(key.slice(), n - k);
    picked = new Int32Array(k);
    let m = 0;
    for (let i = 0; i < n; i++) if (key[i] > kth) picked[m++] = i;
    for (let i = 0; i < n && m < k; i++) if (key[i] === kth) picked[m++] = i;
  }
  return picked.sort((a, b) => key[b] - key[a] || a - b);
}

/**
 * Clips boxes to the image and drops those narrower or shorter than minSize (and non-finite ones);
 * returns the survivors with their scores, in input order.
 */
export function clipAndFilter(boxes: Float32Array, scores: Float32Array, size: ImageSize, minSize: number): { boxes: Float32Array; scores: Float32Array; index: Int32Array } {
  const n = scores.length;
  const outB = new Float32Array(n * 4);
  const outS = new Float32Array(n);
  const index = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x1 = Math.min(Math.max(boxes[4 * i], 0), size.width);
    const y1 = Math.min(Math.max(boxes[4 * i + 1], 0), size.height);
    const x2 = Math.min(Math.max(boxes[4 * i + 2], 0), size.width);
    const y2 = Math.min(Math.max(boxes[4 * i + 3], 0), size.height);
    if (!(x2 - x1 >= minSize && y2 - y1 >= minSize) || !Number.isFinite(scores[i])) continue;
    outB.set([x1, y1, x2, y2], 4 * m);
    outS[m] = scores[i];
    index[m++] = i;
  }
  return { boxes: outB.subarray(0, 4 * m), scores: outS.subarray(0, m), index: index.subarray(0, m) };
}

/** For each box, its largest intersection with any region divided by the box's own area. */
export function ioaHost(boxes: Float32Array, regions: Float32Array): Float32Array {
  const n = boxes.length / 4;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [x1, y1, x2, y2] = boxes.subarray(4 * i, 4 * i + 4);
    const a = Math.max(x2 - x1, 0) * Math.max(y2 - y1, 0);
    if (a <= 0) continue;
    for (let j = 0; j < regions.length; j += 4) {
      const w = Math.min(x2, regions[j + 2]) - Math.max(x1, regions[j]);
      const h = Math.min(y2, regions[j + 3]) - Math.max(y1, regions[j + 1]);
      if (w > 0 && h > 0) out[i] = Math.max(out[i], (w * h) / a);
    }
  }
  return out;
}

/** Rows `indices` of an N*4 array, in that order. */
export function takeBoxes(boxes: ArrayLike<number>, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * 4);
  for (let j = 0; j < indices.length; j++) {
    const o = 4 * indices[j];
    out[4 * j] = boxes[o];
    out[4 * j + 1] = boxes[o + 1];
    out[4 * j + 2] = boxes[o + 2];
    out[4 * j + 3] = boxes[o + 3];
  }
  return out;
}
