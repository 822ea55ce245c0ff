/**
 * Slice and StridedSlice in the addon's strided copy (src/copy.cc), with tfjs-cpu's parameter parsing and
 * checks. Unlike tfjs-cpu, a contiguous slice is copied into a pooled array rather than returned as a view of
 * the input's array (a view would keep the input's array from ever going back to the pool); a slice of the
 * whole tensor shares its data. StridedSlice handles the identity (shared), the cases tfjs-cpu treats as a
 * Slice, and general strides (negative included) without shrinking axes; the rest goes to tfjs-cpu, as do
 * dtypes other than float32 / int32 / bool.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernel, nb } from './common';
import { allocMovable, copyStrided, Movable, movable, rowMajor, shareData, sizeOf } from './copy';

/** x[begin : begin + size] (begin and size already parsed and checked). */
function sliceOf(backend: unknown, x: tf.TensorInfo, xv: Movable, begin: number[], size: number[], outShape: number[]): tf.TensorInfo {
  if (size.every((s, i) => s === x.shape[i])) return shareData(backend, x, outShape);
  const out = allocMovable(nb(backend), outShape, x.dtype);
  if (out.values.length === 0) return out.info;
  const xs = rowMajor(x.shape);
  const offset = begin.reduce((a, b, i) => a + b * xs[i], 0);
  copyStrided(xv, offset, xs, out.values, 0, rowMajor(size), size);
  return out.info;
}

export const sliceKernel = nativeKernel('Slice', ({ inputs, attrs, backend }) => {
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const { begin, size } = attrs as unknown as { begin: number | number[]; size?: number | number[] };
  const xv = movable(nb(backend), x);
  if (!xv) return null;
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
  return sliceOf(backend, x, xv, b, s, s);
});

interface StridedSliceAttrs {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

export const stridedSliceKernel = nativeKernel('StridedSlice', ({ inputs, attrs, backend }) => {
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as StridedSliceAttrs;
  const xv = movable(nb(backend), x);
  if (!xv) return null;
  const info = tf.slice_util.sliceInfo(x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask,
    a.newAxisMask, a.shrinkAxisMask);
  const rank = x.shape.length;
  if (info.isIdentity || rank === 0 || info.begin.length !== rank || info.strides.length !== rank) return null;
  if (info.sliceDim0 || info.isSimpleSlice) {
    // tfjs-cpu: a Slice of computeOutShape(begin, end, strides), reshaped to the final shape
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, info.begin, tf.slice_util.computeOutShape(info.begin, info.end, info.strides));
    tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
    if (sizeOf(s) !== sizeOf(info.finalShape)) return null;
    return sliceOf(backend, x, xv, b, s, info.finalShape);
  }
  if (a.shrinkAxisMask !== 0 || info.finalShapeSparse.length !== rank) return null;
  const shape = info.finalShapeSparse;
  const out = allocMovable(nb(backend), info.finalShape, x.dtype);
  if (out.values.length === 0) return out.info;
  const xs = rowMajor(x.shape);
  const offset = info.begin.reduce((acc, b, i) => acc + b * xs[i], 0);
  copyStrided(xv, offset, xs.map((s, i) => s * info.strides[i]), out.values, 0, rowMajor(shape), shape);
  return out.info;
});
