/**
 * PadV2 (constant padding) and Tile in the addon's strided copy (src/copy.cc). Pad fills the output with the
 * constant (TypedArray.fill, tfjs-cpu's conversion of it to the dtype) and copies x into its window; Tile reads
 * x as the shape [r0, d0, r1, d1, ...] with stride 0 over each repeat, so whole rows go by memcpy. Dtypes
 * other than float32 / int32 / bool, and negative paddings, go to tfjs-cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernel, nb } from './common';
import { allocMovable, copyStrided, movable, rowMajor } from './copy';

export const padKernel = nativeKernel('PadV2', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const { paddings, constantValue } = attrs as unknown as { paddings: Array<[number, number]>; constantValue: number };
  const xv = movable(be, x);
  if (!xv || paddings.length !== x.shape.length || paddings.some(([a, b]) => a < 0 || b < 0)) return null;
  const shape = paddings.map(([before, after], i) => before + x.shape[i] + after);
  const out = allocMovable(be, shape, x.dtype);
  // tfjs-cpu fills only a non-zero constant (its fresh array is zeros): -0 pads with +0 there
  out.values.fill(constantValue !== 0 ? constantValue : 0);
  if (xv.length === 0) return out.info;
  const os = rowMajor(shape);
  const offset = paddings.reduce((acc, [before], i) => acc + before * os[i], 0);
  copyStrided(xv, 0, rowMajor(x.shape), out.values, offset, os, x.shape);
  return out.info;
});

export const tileKernel = nativeKernel('Tile', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const { reps } = attrs as unknown as { reps: number[] };
  const xv = movable(be, x);
  if (!xv || reps.length !== x.shape.length || reps.some((r) => !(r >= 0))) return null;
  const shape = x.shape.map((d, i) => d * reps[i]);
  const out = allocMovable(be, shape, x.dtype);
  if (out.values.length === 0) return out.info;
  const xs = rowMajor(x.shape);
  const wide = x.shape.flatMap((d, i) => [reps[i], d]);
  copyStrided(xv, 0, xs.flatMap((s) => [0, s]), out.values, 0, rowMajor(wide), wide);
  return out.info;
});
