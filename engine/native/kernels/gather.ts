/**
 * GatherV2 (batchDims 0, any axis) in the addon (src/gather.cc: one memcpy per gathered row). Indices are
 * checked first as tfjs-cpu checks them (an index outside [0, dim) is an error with tfjs-cpu's message).
 * Other batchDims, dtypes other than float32 / int32 / bool, and non-int32 indices go to tfjs-cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { addon, nativeKernel, nb } from './common';
import { allocMovable, movable } from './copy';

export const gatherKernel = nativeKernel('GatherV2', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { x, indices } = inputs as Record<string, tf.TensorInfo>;
  const { axis, batchDims } = attrs as unknown as { axis: number; batchDims?: number };
  const xv = movable(be, x);
  const iv = be.data.get(indices.dataId)?.values;
  if (!xv || !(iv instanceof Int32Array) || (batchDims ?? 0) !== 0) return null;
  const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
  const dim = x.shape[parsedAxis];
  for (let i = 0; i < iv.length; i++) {
    const index = iv[i];
    tf.util.assert(index <= dim - 1 && index >= 0, () => `GatherV2: the index value ${index} is not in [0, ${dim - 1}]`);
  }
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, parsedAxis, 0);
  const out = allocMovable(be, info.outputShape, x.dtype);
  if (out.values.length > 0) addon().gather(xv, iv, out.values, Float64Array.of(info.outerSize, info.dimSize, info.sliceSize));
  return out.info;
});
