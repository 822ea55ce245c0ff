/** MaxPool, AvgPool and their gradients in native loops (NHWC float32, tfjs-cpu's semantics; see src/pool.cc). */
import * as tf from '@tensorflow/tfjs';
import { addon, nativeKernel, nb } from './common';

function poolInfo(xShape: number[], attrs: Record<string, unknown>): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(xShape as [number, number, number, number],
    attrs.filterSize as [number, number], attrs.strides as [number, number], 1, attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined);
}

function geom(c: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.of(c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth,
    c.outHeight, c.outWidth, c.strideHeight, c.strideWidth, c.padInfo.top, c.padInfo.left);
}

function forward(kernelName: string, isMax: boolean): tf.KernelConfig {
  return nativeKernel(kernelName, ({ inputs, attrs, backend }) => {
    const be = nb(backend);
    const { x } = inputs as Record<string, tf.TensorInfo>;
    const xv = be.f32(x);
    if (!xv || x.shape.length !== 4 || xv.length === 0) return null;
    const c = poolInfo(x.shape, attrs as Record<string, unknown>);
    const out = be.allocF32([c.batchSize, c.outHeight, c.outWidth, c.outChannels]);
    addon().pool(isMax, xv, out.values, geom(c));
    return out.info;
  });
}

const maxPoolGrad = nativeKernel('MaxPoolGrad', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { dy, input } = inputs as Record<string, tf.TensorInfo>;
  const dyv = be.f32(dy), xv = be.f32(input);
  if (!dyv || !xv || input.shape.length !== 4 || xv.length === 0) return null;
  const c = poolInfo(input.shape, attrs as Record<string, unknown>);
  const out = be.allocF32(input.shape);
  addon().maxPoolGrad(dyv, xv, out.values, geom(c));
  return out.info;
});

const avgPoolGrad = nativeKernel('AvgPoolGrad', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { dy, input } = inputs as Record<string, tf.TensorInfo>;
  const dyv = be.f32(dy);
  if (!dyv || input.shape.length !== 4 || size(input.shape) === 0) return null;
  const c = poolInfo(input.shape, attrs as Record<string, unknown>);
  const out = be.allocF32(input.shape);
  addon().avgPoolGrad(dyv, out.values, geom(c));
  return out.info;
});

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function poolKernels(): tf.KernelConfig[] {
  return [forward('MaxPool', true), forward('AvgPool', false), maxPoolGrad, avgPoolGrad];
}
