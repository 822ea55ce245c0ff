/**
 * resdet's batch norm in training (ResdetBatchNormTrain / ResdetBatchNormTrainGrad, see
 * engine/kernels/batch_norm_kernels.ts) as oneDNN batch normalization, channels last: 4-D inputs as nhwc,
 * other ranks as [rows, C]. Same outputs: y, batch mean, biased batch variance; dx, dscale, doffset.
 * ResdetBatchNormReluTrain is the same with y = max(0, ·); its gradient passes the saved y (`y` input).
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_RELU_TRAIN, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../../kernels/batch_norm_kernels';
import { addon, nativeKernel, nb } from './common';

function shapeOf(x: tf.TensorInfo): Int32Array {
  const C = x.shape[x.shape.length - 1];
  if (x.shape.length === 4) return Int32Array.from(x.shape);
  return Int32Array.of(x.shape.reduce((a, b) => a * b, 1) / C, C);
}

const train = (kernelName: string, relu: boolean) => nativeKernel(kernelName, ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { x, scale, offset } = inputs as Record<string, tf.TensorInfo>;
  const xv = be.f32(x), g = be.f32(scale), b = be.f32(offset);
  if (!xv || !g || !b || x.shape.length < 2) return null;
  const C = x.shape[x.shape.length - 1];
  const y = be.allocF32(x.shape);
  const mean = be.allocF32([C]);
  const variance = be.allocF32([C]);
  const eps = (attrs as unknown as { epsilon: number }).epsilon;
  addon().batchNormTrain(xv, g, b, y.values, mean.values, variance.values, shapeOf(x), eps, relu);
  return [y.info, mean.info, variance.info];
});

const grad = nativeKernel(BATCH_NORM_TRAIN_GRAD, ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { dy, x, scale, mean, variance, y } = inputs as Record<string, tf.TensorInfo | undefined> as Record<string, tf.TensorInfo>;
  const dyv = be.f32(dy), xv = be.f32(x), g = be.f32(scale), m = be.f32(mean), v = be.f32(variance);
  const yv = y ? be.f32(y) : null;
  if (!dyv || !xv || !g || !m || !v || x.shape.length < 2 || (y && !yv)) return null;
  const C = x.shape[x.shape.length - 1];
  const dx = be.allocF32(x.shape);
  const dg = be.allocF32([C]);
  const db = be.allocF32([C]);
  const eps = (attrs as unknown as { epsilon: number }).epsilon;
  addon().batchNormTrainGrad(dyv, xv, g, m, v, dx.values, dg.values, db.values, shapeOf(x), eps, yv);
  return [dx.info, dg.info, db.info];
});

export function batchNormKernels(): tf.KernelConfig[] {
  return [train(BATCH_NORM_TRAIN, false), train(BATCH_NORM_RELU_TRAIN, true), grad];
}
