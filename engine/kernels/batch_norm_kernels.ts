/**
 * Batch norm in training as one kernel with its own backward kernel, channels last (NHWC or [N, C]).
 *
 *   ResdetBatchNormTrain(x, scale, offset; epsilon) -> [y, mean, variance]   (biased variance)
 *   ResdetBatchNormTrainGrad(dy, x, scale, mean, variance[, y]; epsilon) -> [dx, dscale, doffset]
 *   ResdetBatchNormReluTrain(x, scale, offset; epsilon) -> [max(0, y), mean, variance]: batch norm and ReLU in one
 *     pass, so that the normalised tensor before the ReLU never exists; its gradient passes the output as `y`
 *     and the kernel counts dy only where y > 0 (the ReLU's mask)
 *
 * The JavaScript versions below serve the TypedArray backends (cpu and wasm); tfjs's own batch-norm graph
 * (moments, sub, mul, their gradients) costs more than the convolutions of a small ResNet on a CPU.
 * Sums are accumulated in float64.
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, f32 } from './kernel_io';

export const BATCH_NORM_TRAIN = 'ResdetBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'ResdetBatchNormTrainGrad';
export const BATCH_NORM_RELU_TRAIN = 'ResdetBatchNormReluTrain';

function channelStats(x: Float32Array, C: number): { mean: Float64Array; variance: Float64Array } {
  const rows = x.length / C;
  const mean = new Float64Array(C);
  for (let i = 0, o = 0; i < rows; i++, o += C) for (let c = 0; c < C; c++) mean[c] += x[o + c];
  for (let c = 0; c < C; c++) mean[c] /= rows;
  const variance = new Float64Array(C);
  for (let i = 0, o = 0; i < rows; i++, o += C) {
    for (let c = 0; c < C; c++) {
      const d = x[o + c] - mean[c];
      variance[c] += d * d;
    }
  }
  for (let c = 0; c < C; c++) variance[c] /= rows;
  return { mean, variance };
}

function forwardKernel(backendName: string, kernelName: string, relu: boolean): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, scale, offset } = inputs as { x: tf.TensorInfo; scale: tf.TensorInfo; offset: tf.TensorInfo };
      const eps = (attrs as unknown as { epsilon: number }).epsilon;
      const C = x.shape[x.shape.length - 1];
      const yInfo = alloc(backend, x.shape);
      const meanInfo = alloc(backend, [C]);
      const varInfo = alloc(backend, [C]);
      const xv = f32(backend, x);
      const g = f32(backend, scale);
      const b = f32(backend, offset);
      const { mean, variance } = channelStats(xv, C);
      const a = new Float64Array(C);
      const shift = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        a[c] = g[c] / Math.sqrt(variance[c] + eps);
        shift[c] = b[c] - mean[c] * a[c];
      }
      const y = f32(backend, yInfo);
      for (let o = 0; o < xv.length; o += C) for (let c = 0; c < C; c++) y[o + c] = xv[o + c] * a[c] + shift[c];
      if (relu) for (let i = 0; i < y.length; i++) if (!(y[i] > 0)) y[i] = 0;
      f32(backend, meanInfo).set(mean);
      f32(backend, varInfo).set(variance);
      return [yInfo, meanInfo, varInfo];
    },
  };
}

/** dy where the ReLU output y is positive, else 0 (a new array). */
function masked(dy: Float32Array, y: Float32Array): Float32Array {
  const out = new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i++) out[i] = y[i] > 0 ? dy[i] : 0;
  return out;
}

function gradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_TRAIN_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, x, scale, mean, variance, y } = inputs as Record<string, tf.TensorInfo>;
      const eps = (attrs as unknown as { epsilon: number }).epsilon;
      const C = x.shape[x.shape.length - 1];
      const dxInfo = alloc(backend, x.shape);
      const dgInfo = alloc(backend, [C]);
      const dbInfo = alloc(backend, [C]);
      const xv = f32(backend, x);
      const dyv = y ? masked(f32(backend, dy), f32(backend, y)) : f32(backend, dy);
      const g = f32(backend, scale);
      const m = f32(backend, mean);
      const v = f32(backend, variance);
      const rows = xv.length / C;
      const invstd = new Float64Array(C);
      for (let c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(v[c] + eps);
      const sumDy = new Float64Array(C);
      const sumDyXhat = new Float64Array(C);
      for (let o = 0; o < xv.length; o += C) {
        for (let c = 0; c < C; c++) {
          const d = dyv[o + c];
          sumDy[c] += d;
          sumDyXhat[c] += d * (xv[o + c] - m[c]) * invstd[c];
        }
      }
      // dx = scale * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))
      const k = new Float64Array(C);
      const mdy = new Float64Array(C);
      const mdx = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        k[c] = g[c] * invstd[c];
        mdy[c] = sumDy[c] / rows;
        mdx[c] = sumDyXhat[c] / rows;
      }
      const dx = f32(backend, dxInfo);
      for (let o = 0; o < xv.length; o += C) {
        for (let c = 0; c < C; c++) {
          const xhat = (xv[o + c] - m[c]) * invstd[c];
          dx[o + c] = k[c] * (dyv[o + c] - mdy[c] - xhat * mdx[c]);
        }
      }
      f32(backend, dgInfo).set(sumDyXhat);
      f32(backend, dbInfo).set(sumDy);
      return [dxInfo, dgInfo, dbInfo];
    },
  };
}

export function batchNormKernels(backendName: string): tf.KernelConfig[] {
  return [forwardKernel(backendName, BATCH_NORM_TRAIN, false), forwardKernel(backendName, BATCH_NORM_RELU_TRAIN, true), gradKernel(backendName)];
}
