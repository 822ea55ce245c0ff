/**
 * Batch normalisation over the last (channel) axis.
 * - `batchNormTrain`: batch statistics, one kernel with its own gradient where the backend has
 *   ResdetBatchNormTrain (cpu, wasm, native); tfjs's op graph elsewhere. With `relu`, batch norm and ReLU in one
 *   kernel (ResdetBatchNormReluTrain): the normalised tensor before the ReLU is never stored for the backward
 *   pass — the gradient masks dy with the output, which the next convolution keeps anyway.
 * - `batchNormInference`: running statistics folded into one scale and shift (x * a + b).
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_RELU_TRAIN, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../kernels/batch_norm_kernels';
import { hasKernel } from '../kernels/register';
import { RUNNING_STATS } from '../kernels/running_stats_kernels';

export interface BatchNormTrainResult<T extends tf.Tensor> {
  y: T;
  /** batch mean per channel */
  mean: tf.Tensor1D;
  /** biased batch variance per channel */
  variance: tf.Tensor1D;
}

let gradientRegistered = false;

/**
 * The gradient of a batch-norm training kernel: ResdetBatchNormTrainGrad on the saved input and statistics; with
 * `relu` the saved output too (the kernel counts dy only where it is positive).
 */
function registerBatchNormGradient(kernelName: string, relu: boolean): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [relu, true, true],
    gradFunc: (dys, saved, attrs) => {
      const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
      const [x, scale, ...outputs] = saved;
      const [mean, variance] = outputs.slice(-2);
      const inputs: tf.NamedTensorMap = { dy, x, scale, mean, variance };
      if (relu) inputs.y = outputs[0];
      const [dx, dscale, doffset] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx, scale: () => dscale, offset: () => doffset };
    },
  });
}

function registerGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  registerBatchNormGradient(BATCH_NORM_TRAIN, false);
  registerBatchNormGradient(BATCH_NORM_RELU_TRAIN, true);
}

function composite<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon: number) {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.batchNorm(x, mean, variance, offset, scale, epsilon) as T;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** Batch norm with batch statistics, followed by a ReLU when `relu`. */
export function batchNormTrain<T extends tf.Tensor>(
  x: T,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon = 1e-5,
  relu = false,
): BatchNormTrainResult<T> {
  const kernel = relu ? BATCH_NORM_RELU_TRAIN : BATCH_NORM_TRAIN;
  if (!hasKernel(kernel)) {
    const r = composite(x, scale, offset, epsilon);
    if (!relu) return r;
    const y = tf.relu(r.y);
    r.y.dispose();
    return { ...r, y };
  }
  registerGradient();
  const [y, mean, variance] = tf.engine().runKernel(kernel, { x, scale, offset }, { epsilon }) as tf.Tensor[];
  return { y: y as T, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

export function batchNormInference<T extends tf.Tensor>(
  x: T,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  epsilon = 1e-5,
): T {
  return tf.tidy(() => {
    const a = tf.div(scale, tf.sqrt(tf.add(runningVar, epsilon)));
    const b = tf.sub(offset, tf.mul(runningMean, a));
    return tf.add(tf.mul(x, a), b) as T;
  });
}

/**
 * Batch norm's running statistics after a training step (PyTorch's rule): runningMean * (1 - m) + mean * m, and the
 * same for the variance with the batch variance made unbiased (times n / (n - 1), n values per channel). One kernel
 * where the backend has it, else the element-wise ops (the same float32 results).
 */
export function updatedRunningStats(
  runningMean: tf.Tensor1D, runningVar: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, momentum: number, count: number,
): [tf.Tensor1D, tf.Tensor1D] {
  if (hasKernel(RUNNING_STATS)) {
    const attrs = { momentum, count } as unknown as tf.NamedAttrMap;
    return tf.engine().runKernel(RUNNING_STATS, { runningMean, runningVar, mean, variance }, attrs) as unknown as [tf.Tensor1D, tf.Tensor1D];
  }
  return tf.tidy(() => {
    const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
    return [
      tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum)),
      tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum)),
    ] as [tf.Tensor1D, tf.Tensor1D];
  });
}
