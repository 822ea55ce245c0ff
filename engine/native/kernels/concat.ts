/**
 * Concat and Pack (tf.concat, tf.stack) in the addon's strided copy (src/copy.cc): output viewed as
 * [outer, total] with each input's [outer, inner] block copied into its columns (memcpy of rows). tfjs-cpu's
 * checks run first; mixed or other dtypes (than float32 / int32 / bool) go to tfjs-cpu, as does a Pack of
 * one tensor (a shared reshape there).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernel, nb } from './common';
import { allocMovable, copyStrided, Movable, movable, shareData, sizeOf } from './copy';

/** Stores the inputs' [outer, inner_k] blocks side by side in a new [outer, sum inner_k] output of `shape`. */
function joinColumns(backend: unknown, xs: tf.TensorInfo[], vals: Movable[], outer: number, inners: number[], shape: number[]): tf.TensorInfo {
  const out = allocMovable(nb(backend), shape, xs[0].dtype);
  const total = inners.reduce((a, b) => a + b, 0);
  let col = 0;
  xs.forEach((_, k) => {
    if (outer * inners[k] > 0) copyStrided(vals[k], 0, [inners[k], 1], out.values, col, [total, 1], [outer, inners[k]]);
    col += inners[k];
  });
  return out.info;
}

function sameDtypeValues(backend: unknown, xs: tf.TensorInfo[]): Movable[] | null {
  const vals = xs.map((t) => movable(nb(backend), t));
  return xs.every((t, i) => t.dtype === xs[0].dtype && vals[i] !== null) ? (vals as Movable[]) : null;
}

export const concatKernel = nativeKernel('Concat', ({ inputs, attrs, backend }) => {
  const xs = inputs as unknown as tf.TensorInfo[];
  const { axis } = attrs as unknown as { axis: number };
  if (xs.length === 0 || xs.some((t) => t.dtype !== xs[0].dtype)) return null;
  const $axis = tf.util.parseAxisParam(axis, xs[0].shape)[0];
  const shapes = xs.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, $axis);
  const shape = tf.backend_util.computeOutShape(shapes, $axis);
  const nonEmpty = xs.filter((t) => sizeOf(t.shape) > 0);
  if (sizeOf(shape) === 0 || nonEmpty.length === 0) return null;
  if (nonEmpty.length === 1) return movable(nb(backend), nonEmpty[0]) ? shareData(backend, nonEmpty[0], nonEmpty[0].shape) : null;
  const vals = sameDtypeValues(backend, nonEmpty);
  if (!vals) return null;
  const outer = sizeOf(shape.slice(0, $axis));
  return joinColumns(backend, nonEmpty, vals, outer, nonEmpty.map((t) => sizeOf(t.shape.slice($axis))), shape);
});

export const packKernel = nativeKernel('Pack', ({ inputs, attrs, backend }) => {
  const xs = inputs as unknown as tf.TensorInfo[];
  const axis0 = (attrs as unknown as { axis: number }).axis;
  if (xs.length < 2 || xs.some((t) => t.shape.join() !== xs[0].shape.join())) return null;
  const vals = sameDtypeValues(backend, xs);
  if (!vals) return null;
  const rank = xs[0].shape.length;
  const axis = axis0 < 0 ? axis0 + rank + 1 : axis0;
  if (!(axis >= 0 && axis <= rank)) return null;
  const shape = [...xs[0].shape.slice(0, axis), xs.length, ...xs[0].shape.slice(axis)];
  const inner = sizeOf(xs[0].shape.slice(axis));
  return joinColumns(backend, xs, vals, sizeOf(xs[0].shape.slice(0, axis)), xs.map(() => inner), shape);
});
