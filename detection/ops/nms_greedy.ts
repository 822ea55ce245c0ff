/**
 * The greedy loop behind nms / batchedNms, on host arrays, and the score order it visits boxes in.
 *
 * IoU is evaluated in float32 step by step (Math.fround), as torchvision's CPU kernel does, so
 * exact-threshold cases fall the same way. For a threshold t > 0 a kept box only looks at boxes whose x1
 * lies in a window around its own: IoU > t needs the x-overlap to exceed t times either width, which puts
 * x1 within (x1k - (1-t)/t * wk, x1k + (1-t) * wk) (widened by 1e-3 * wk, far above float32 rounding),
 * and y1 likewise;
 * boxes are indexed by x1 once, and visited or dropped boxes leave the index, so a pass costs the boxes
 * still in play inside the window, not every later box.
 */
import { nativeHostLoops } from '../../engine/native/host_loops';

const fr = Math.fround;
const IDX = 2 ** 21;

/**
 * Indices of `v` by descending value (or ascending with `ascending`), ties by ascending index. For float32
 * values one numeric sort of float64 keys (order-preserving float32 bits times 2^21 plus the index).
 */
export function valueOrder(v: ArrayLike<number>, ascending = false): Int32Array {
  const n = v.length;
  const order = new Int32Array(n);
  if (!(v instanceof Float32Array) || n >= IDX) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((a, b) => (ascending ? v[a] - v[b] : v[b] - v[a]) || a - b);
  }
  const u = new Uint32Array(v.buffer, v.byteOffset, n);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const bits = v[i] === 0 ? 0 : u[i]; // -0 ties with 0
    const asc = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
    keys[i] = (ascending ? asc : 0xffffffff - asc) * IDX + i;
  }
  keys.sort();
  for (let i = 0; i < n; i++) order[i] = keys[i] % IDX;
  return order;
}

/** First position p in ascending `xs` with xs[p] >= x (or > x when `strict`). */
function bound(xs: Float32Array, x: number, strict: boolean): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x || (strict && xs[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Greedy NMS over the boxes `order[from..to)` (already in visiting order); appends kept indices to `keep`,
 * at most `maxKeep` of them (the first ones the full pass would keep: later boxes cannot change them).
 */
export function greedy(b: ArrayLike<number>, order: Int32Array, from: number, to: number, thr: number, keep: number[], maxKeep = Infinity): void {
  if (maxKeep <= 0) return;
  const keep0 = keep.length;
  const n = to - from;
  const native = b instanceof Float32Array ? nativeHostLoops() : null; // the same pass in native code
  if (native) {
    const out = new Int32Array(n);
    const kept = native.nmsGreedy(b as Float32Array, order, from, to, thr, maxKeep, out);
    for (let k = 0; k < kept; k++) keep.push(out[k]);
    return;
  }
  const x1 = new Float32Array(n), y1 = new Float32Array(n), x2 = new Float32Array(n), y2 = new Float32Array(n);
  const area = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const i = 4 * order[from + k];
    x1[k] = b[i];
    y1[k] = b[i + 1];
    x2[k] = b[i + 2];
    y2[k] = b[i + 3];
    area[k] = fr(x2[k] - x1[k]) * fr(y2[k] - y1[k]);
  }
  // boxes by x1; `next` skips the positions of boxes already visited or dropped (union-find, path halving)
  // (plain loops: TypedArray.from with a mapping function costs ~100 ns an element)
  const byX = valueOrder(x1, true);
  const xs = new Float32Array(n);
  const posOf = new Int32Array(n);
  const next = new Int32Array(n + 1);
  for (let p = 0; p < n; p++) {
    xs[p] = x1[byX[p]];
    posOf[byX[p]] = p;
    next[p] = p;
  }
  next[n] = n;
  const find = (p: number) => {
    while (next[p] !== p) p = next[p] = next[next[p]];
    return p;
  };
  const dead = new Uint8Array(n);
  const windowed = thr > 0;
  const before = (1 - thr) / thr + 1e-3, after = 1 - thr + 1e-3;
  for (let k = 0; k < n; k++) {
    if (dead[k]) continue;
    keep.push(order[from + k]);
    if (keep.length - keep0 >= maxKeep) return;
    next[posOf[k]] = posOf[k] + 1;
    const ax1 = x1[k], ay1 = y1[k], ax2 = x2[k], ay2 = y2[k], aa = area[k];
    const wk = ax2 - ax1;
    const hk = ay2 - ay1;
    let p = 0, end = n, yLo = -Infinity, yHi = Infinity;
    if (windowed) {
      if (!(wk > 0 && hk > 0)) continue; // an empty box overlaps nothing
      p = bound(xs, ax1 - before * wk, false);
      end = bound(xs, ax1 + after * wk, true);
      yLo = ay1 - before * hk; // the same window for y1, checked per box
      yHi = ay1 + after * hk;
    }
    for (p = find(p); p < end; p = find(p + 1)) {
      const j = byX[p];
      if (!(y1[j] >= yLo && y1[j] <= yHi)) continue;
      // exact float32 differences: their sign is the sign of the rounded value
      const w = (ax2 < x2[j] ? ax2 : x2[j]) - (ax1 > x1[j] ? ax1 : x1[j]);
      const h = (ay2 < y2[j] ? ay2 : y2[j]) - (ay1 > y1[j] ? ay1 : y1[j]);
      let iou: number;
      if (w > 0 && h > 0) {
        const inter = fr(fr(w) * fr(h));
        iou = fr(inter / fr(fr(aa + area[j]) - inter));
      } else if (thr >= 0) continue; // IoU 0 (or 0/0) is never > a threshold >= 0
      else iou = 0 / fr(aa + area[j]);
      if (iou > thr) {
        dead[j] = 1;
        next[p] = p + 1;
      }
    }
  }
}
