/**
 * Non-maximum suppression on the host, over typed arrays (torchvision.ops.nms / batched_nms semantics):
 * boxes are visited by descending score, ties by ascending index (stable); each kept box drops every later
 * box whose IoU with it is strictly greater than the threshold (float32 IoU; the loop is in nms_greedy.ts).
 *
 * Bad input: a shape other than boxes [N,4], scores [N] (and classIds [N]) is an error, as is a NaN
 * coordinate or score (its order and overlaps would be meaningless). A box with x2 < x1 or y2 < y1
 * intersects nothing, so it neither suppresses nor is suppressed (torchvision's arithmetic). No boxes: [].
 */
import * as tf from '@tensorflow/tfjs';
import { checkBoxes } from './box_ops';
import { greedy, valueOrder } from './nms_greedy';

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

/** Kept indices, by descending score (ties: ascending index). */
export async function nms(boxes: tf.Tensor2D, scores: tf.Tensor1D, iouThreshold: number): Promise<number[]> {
  validate('nms', boxes, scores, iouThreshold);
  const [b, s] = await Promise.all([boxes.data(), scores.data()]);
  checkFinite('nms', b, s);
  return nmsArrays(b, s, iouThreshold);
}

/**
 * nms on host arrays (boxes N*4, scores N), synchronously — for code that runs inside a gradient tape. With
 * `maxKeep` the pass stops at that many kept boxes: the same first `maxKeep` as the full result.
 */
export function nmsArrays(b: ArrayLike<number>, s: ArrayLike<number>, iouThreshold: number, maxKeep = Infinity): number[] {
  const order = valueOrder(s);
  const keep: number[] = [];
  greedy(b, order, 0, order.length, iouThreshold, keep, maxKeep);
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

/**
 * batchedNms on host arrays (boxes N*4, scores N, class ids N), synchronously. With `maxKeep` each class keeps
 * at most that many and the result is cut to `maxKeep`: the same as the first `maxKeep` of the full result.
 */
export function batchedNmsArrays(b: ArrayLike<number>, s: ArrayLike<number>, c: ArrayLike<number>, iouThreshold: number, maxKeep = Infinity): number[] {
  const order = valueOrder(s);
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
  for (const [from, to] of bounds) greedy(b, grouped, from, to, iouThreshold, keep, maxKeep);
  // back to the global score order: sort the kept boxes' ranks in `order`
  const rank = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) rank[order[k]] = k;
  const ranks = new Int32Array(keep.length);
  for (let k = 0; k < keep.length; k++) ranks[k] = rank[keep[k]];
  ranks.sort();
  const out = new Array<number>(Math.min(keep.length, maxKeep));
  for (let k = 0; k < out.length; k++) out[k] = order[ranks[k]];
  return out;
}
