/**
 * Transpose in the addon's strided copy (src/copy.cc: dimensions that stay together merge, contiguous runs go
 * by memcpy, true transposes in cache tiles). A permutation that keeps the element order (the identity, or
 * one that only moves size-1 dimensions — tf.gather's gradient transposes by the identity) shares the input's
 * data instead of copying it. Dtypes other than float32 / int32 / bool go to tfjs-cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernel, nb } from './common';
import { allocMovable, copyStrided, movable, rowMajor, shareData } from './copy';

/** True when reading x in the order `perm` visits its elements in storage order. */
export function keepsOrder(shape: number[], perm: number[]): boolean {
  const moved = perm.filter((p) => shape[p] !== 1);
  return moved.every((p, i) => i === 0 || p > moved[i - 1]);
}

export const transposeKernel = nativeKernel('Transpose', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { x } = inputs as Record<string, tf.TensorInfo>;
  const perm = (attrs as unknown as { perm: number[] }).perm;
  const xv = movable(be, x);
  if (!xv || perm.length !== x.shape.length) return null;
  const shape = perm.map((p) => x.shape[p]);
  if (keepsOrder(x.shape, perm)) return shareData(backend, x, shape);
  const out = allocMovable(be, shape, x.dtype);
  const xs = rowMajor(x.shape);
  copyStrided(xv, 0, perm.map((p) => xs[p]), out.values, 0, rowMajor(shape), shape);
  return out.info;
});
