/**
 * SplitV and Unpack (tf.split, tf.unstack) in the addon's strided copy (src/copy.cc): each piece is x viewed
 * as [outer, dim, inner] cut along dim and copied into its own (pooled, for float32) array. tfjs-cpu runs
 * them as one Slice per piece, element by element whenever the piece is not contiguous. Dtypes other than
 * float32 / int32 / bool go to tfjs-cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernel, nb } from './common';
import { allocMovable, copyStrided, Movable, shareData, sizeOf, movable } from './copy';

/** Rows [begin, begin + count) of x viewed as [outer, dim, inner], as a tensor of `shape`. */
function piece(backend: unknown, x: tf.TensorInfo, xv: Movable, axis: number, begin: number, count: number, shape: number[]): tf.TensorInfo {
  const dim = x.shape[axis];
  if (count === dim) return shareData(backend, x, shape);
  const out = allocMovable(nb(backend), shape, x.dtype);
  if (out.values.length === 0) return out.info;
  const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
  copyStrided(xv, begin * inner, [dim * inner, 1], out.values, 0, [count * inner, 1], [outer, count * inner]);
  return out.info;
}

export const splitVKernel = nativeKernel('SplitV', ({ inputs, attrs, backend }) => {
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const xv = movable(nb(backend), x);
  if (!xv) return null;
  const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
  let begin = 0;
  return sizes.map((s) => {
    const shape = x.shape.slice();
    shape[$axis] = s;
    const t = piece(backend, x, xv, $axis, begin, s, shape);
    begin += s;
    return t;
  });
});

export const unpackKernel = nativeKernel('Unpack', ({ inputs, attrs, backend }) => {
  const { value } = inputs as Record<string, tf.TensorInfo>;
  const axis0 = (attrs as unknown as { axis: number }).axis;
  const xv = movable(nb(backend), value);
  if (!xv) return null;
  const axis = axis0 < 0 ? axis0 + value.shape.length : axis0;
  const shape = value.shape.filter((_, i) => i !== axis);
  return Array.from({ length: value.shape[axis] }, (_, i) => piece(backend, value, xv, axis, i, 1, shape));
});
