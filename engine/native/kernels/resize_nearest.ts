/**
 * ResizeNearestNeighbor and ResizeNearestNeighborGrad (the FPN's top-down upsampling) over NHWC float32 in
 * the addon (src/resize_nearest.cc). The forward is tfjs-cpu's to the bit (alignCorners, halfPixelCenters).
 * The gradient is the exact adjoint of that forward, summed as tfjs-cpu sums (double precision, dy rows then
 * columns): tfjs-cpu's bits for a batch of one without halfPixelCenters. It does not reproduce tfjs-cpu's bugs
 * (tfjs-cpu 4.22 reads image b's dy at b times the input image's size, wrong for b > 0 whenever the sizes
 * differ, and ignores halfPixelCenters; with alignCorners onto a size-1 axis it loops forever).
 * Other dtypes go to tfjs-cpu, as does an empty image with a non-empty output.
 */
import * as tf from '@tensorflow/tfjs';
import { addon, nativeKernel, nb } from './common';

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
  size: [number, number];
}

export const resizeNearestKernel = nativeKernel('ResizeNearestNeighbor', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { images } = inputs as Record<string, tf.TensorInfo>;
  const { alignCorners, halfPixelCenters, size } = attrs as unknown as ResizeAttrs;
  const xv = be.f32(images);
  if (!xv || images.shape.length !== 4) return null;
  const [B, H, W, C] = images.shape;
  const [oh, ow] = size;
  const shape = [B, oh, ow, C];
  if ((H === 0 || W === 0) && B * oh * ow * C > 0) return null;
  const out = be.allocF32(shape);
  if (out.values.length > 0) {
    addon().resizeNearest(xv, out.values, Float64Array.of(B, H, W, C, oh, ow, alignCorners ? 1 : 0, halfPixelCenters ? 1 : 0));
  }
  return out.info;
});

export const resizeNearestGradKernel = nativeKernel('ResizeNearestNeighborGrad', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { images, dy } = inputs as Record<string, tf.TensorInfo>;
  const { alignCorners, halfPixelCenters } = attrs as unknown as ResizeAttrs;
  const dv = be.f32(dy);
  if (!dv || images.dtype !== 'float32' || images.shape.length !== 4 || dy.shape.length !== 4) return null;
  const [B, H, W, C] = images.shape;
  const [dB, yh, yw, dC] = dy.shape;
  if (dB !== B || dC !== C) throw new Error(`ResizeNearestNeighborGrad: dy shape [${dy.shape}] does not match images [${images.shape}]`);
  const dx = be.allocF32(images.shape);
  if (dx.values.length > 0) {
    addon().resizeNearestGrad(dv, dx.values, Float64Array.of(B, H, W, C, yh, yw, alignCorners ? 1 : 0, halfPixelCenters ? 1 : 0));
  }
  return dx.info;
});
