/**
 * Non-maximum suppression on the host, over typed arrays (torchvision.ops.nms / batched_nms semantics):
 * boxes are visited by descending score, ties by ascending index (stable); each kept box drops every later
 * box whose IoU with it is strictly greater than the threshold. IoU is evaluated in float32 step by step
 * (Math.fround), as torchvision's CPU kernel does, so exact-threshold cases fall the same way.
 *
 * Bad input: a shape other than boxes [N,4], scores [N] (and classIds [N]) is an error, as is a NaN
 * coordinate or score (its order and overlaps would be meaningless). A box with x2 < x1 or y2 < y1
 * intersects nothing, so it neither suppresses nor is suppressed (torchvision's arithmetic). No boxes: [].
 */
import * as tf from '@tensorflow/tfjs';
import { checkBoxes } from './box_ops';

const fr = Math.fround;

function validate(op: string, boxes: tf.Tensor, scores: tf.Tensor, iouThreshold: number, extra?: tf.Tensor): void {
  checkBoxes(op, 'boxes', boxes);
  const n = boxes.shape[0];
  if (scores.rank !== 1 || scores.shape[0] !== n) throw new Error(`${op}: scores must have shape [${n}], got [${scores.shape}]`);
  if (extra && (extra.rank !== 1 || extra.shape[0] !== n)) {
    throw new Error(`${op}: classIds must have shape [${n}], got [${extra.shape}]`);
  }
  if (typeof iouThreshold !== 'number' || Number.isNaN(iouThreshold)) {
    throw new Error(`${op}: iouThreshold must be a number, got ${iouThreshold}`);
  }
}

function checkFinite(op: string, b: ArrayLike<number>, s: ArrayLike<number>): void {
  for (let i = 0; i < s.length; i++) {
    if (Number.isNaN(s[i])) throw new Error(`${op}: score ${i} is NaN`);
    for (let k = 0; k < 4; k++) if (Number.isNaN(b[4 * i + k])) throw new Error(`${op}: box ${i} has a NaN coordinate`);
  }
}

const IDX = 2 ** 21;

/**
 * Indices sorted by descending score, ties by ascending index: one numeric sort of float64 keys
 * (float32 score bits made order-preserving, inverted, times 2^21, plus the index; exact below 2^53).
 */
function scoreOrder(s: ArrayLike<number>): Int32Array {
  const n = s.length;
  const order = new Int32Array(n);
  if (n >= IDX) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((a, b) => s[b] - s[a] || a - b);
  }
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    f[0] = s[i] + 0; // -0 ties with 0
    const bits = u[0];
    const asc = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
    keys[i] = (0xffffffff - asc) * IDX + i;
  }
  keys.sort();
  for (let i = 0; i < n; i++) order[i] = keys[i] % IDX;
  return order;
}

/**
 * Greedy NMS over `order[from..to)` (already in visiting order); appends kept indices to `keep`.
 * Coordinates are copied into contiguous arrays in visiting order, and the survivors are compacted after
 * each kept box, so each pass only visits boxes still alive.
 */
function greedy(b: ArrayLike<number>, order: Int32Array, from: number, to: number, thr: number, keep: number[]): void {
  const n = to - from;
  const x1 = new Float32Array(n), y1 = new Float32Array(n), x2 = new Float32Array(n), y2 = new Float32Array(n);
  const area = new Float32Array(n);
  const alive = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = 4 * order[from + k];
    x1[k] = b[i];
    y1[k] = b[i + 1];
    x2[k] = b[i + 2];
    y2[k] = b[i + 3];
    area[k] = fr(x2[k] - x1[k]) * fr(y2[k] - y1[k]);
    alive[k] = k;
  }
  let m = n;
  for (let head = 0; head < m; head++) {
    const k = alive[head];
    keep.push(order[from + k]);
    const ax1 = x1[k], ay1 = y1[k], ax2 = x2[k], ay2 = y2[k], aa = area[k];
    let out = head + 1;
    for (let q = head + 1; q < m; q++) {
      const j = alive[q];
      // exact float32 differences: their sign is the sign of the rounded value
      const w = (ax2 < x2[j] ? ax2 : x2[j]) - (ax1 > x1[j] ? ax1 : x1[j]);
      const h = (ay2 < y2[j] ? ay2 : y2[j]) - (ay1 > y1[j] ? ay1 : y1[j]);
      let iou: number;
      if (w > 0 && h > 0) {
        const inter = fr(fr(w) * fr(h));
        iou = fr(inter / fr(fr(aa + area[j]) - inter));
      } else if (thr >= 0) {
        alive[out++] = j; // IoU 0 (or 0/0) is never > a threshold >= 0
        continue;
      } else iou = 0 / fr(aa + area[j]);
      if (!(iou > thr)) alive[out++] = j;
    }
    m = out;
  }
}

/** Kept indices, by descending score (ties: ascending index). */
export async function nms(boxes: tf.Tensor2D, scores: tf.Tensor1D, iouThreshold: number): Promise<number[]> {
  validate('nms', boxes, scores, iouThreshold);
  const [b, s] = await Promise.all([boxes.data(), scores.data()]);
  checkFinite('nms', b, s);
  return nmsArrays(b, s, iouThreshold);
}

/** nms on host arrays (boxes N*4, scores N), synchronously — for code that runs inside a gradient tape. */
export function nmsArrays(b: ArrayLike<number>, s: ArrayLike<number>, iouThreshold: number): number[] {
  const order = scoreOrder(s);
  const keep: number[] = [];
  greedy(b, order, 0, order.length, iouThreshold, keep);
  return keep;
}

/** NMS within each class (boxes of different classIds never suppress each other); kept indices by score. */
export async function batchedNms(
  boxes: tf.Tensor2D,
  scores: tf.Tensor1D,
  classIds: tf.Tensor1D,
  iouThreshold: number,
): Promise<number[]> {
  validate('batchedNms', boxes, scores, iouThreshold, classIds);
  const [b, s, c] = await Promise.all([boxes.data(), scores.data(), classIds.data()]);
  checkFinite('batchedNms', b, s);
  return batchedNmsArrays(b, s, c, iouThreshold);
}

/** batchedNms on host arrays (boxes N*4, scores N, class ids N), synchronously. */
export function batchedNmsArrays(b: ArrayLike<number>, s: ArrayLike<number>, c: ArrayLike<number>, iouThreshold: number): number[] {
  const order = scoreOrder(s);
  // stable bucketing by class keeps the score order inside each class
  const start = new Map<number, number>();
  for (let k = 0; k < order.length; k++) {
    const id = c[order[k]];
    if (!Number.isInteger(id)) throw new Error(`batchedNms: class id of box ${order[k]} is ${id}, not an integer`);
    start.set(id, (start.get(id) ?? 0) + 1);
  }
  const ids = [...start.keys()];
  const bounds: [number, number][] = [];
  let at = 0;
  for (const id of ids) {
    const count = start.get(id)!;
    bounds.push([at, at + count]);
    start.set(id, at);
    at += count;
  }
  const grouped = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) {
    const id = c[order[k]];
    const p = start.get(id)!;
    grouped[p] = order[k];
    start.set(id, p + 1);
  }
  const keep: number[] = [];
  for (const [from, to] of bounds) greedy(b, grouped, from, to, iouThreshold, keep);
  // back to the global score order: sort the kept boxes' ranks in `order`
  const rank = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) rank[order[k]] = k;
  const ranks = Int32Array.from(keep, (i) => rank[i]).sort();
  return Array.from(ranks, (r) => order[r]);
}
