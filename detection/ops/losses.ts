/**
 * Box regression losses, differentiable (tfjs ops; the branch mask of smooth-L1 uses resdet's zero gradient
 * for comparisons, engine/grads/extra_gradients.ts).
 * smoothL1Loss as torchvision's detection `_utils.smooth_l1_loss`: n = |input - target|,
 * loss = 0.5 n² / beta where n < beta, else n - 0.5 beta; beta = 0 is the L1 loss. Default beta 1/9 and
 * reduction 'sum' (torchvision's RPN / Fast R-CNN usage, divided by the sample count by the caller).
 */
import * as tf from '@tensorflow/tfjs';

export type Reduction = 'none' | 'sum' | 'mean';

function reduce(t: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === 'sum') return tf.sum(t);
  if (reduction === 'mean') return tf.mean(t);
  if (reduction === 'none') return t;
  throw new Error(`loss: unknown reduction '${reduction}' (none, sum, mean)`);
}

function checkPair(op: string, input: tf.Tensor, target: tf.Tensor): void {
  if (!tf.util.arraysEqual(input.shape, target.shape)) {
    throw new Error(`${op}: input [${input.shape}] and target [${target.shape}] must have the same shape`);
  }
}

export function smoothL1Loss(input: tf.Tensor, target: tf.Tensor, beta = 1 / 9, reduction: Reduction = 'sum'): tf.Tensor {
  checkPair('smoothL1Loss', input, target);
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be >= 0, got ${beta}`);
  if (beta === 0) return l1Loss(input, target, reduction);
  return tf.tidy(() => {
    const n = tf.abs(tf.sub(input, target));
    const quad = tf.div(tf.mul(0.5, tf.square(n)), beta);
    const lin = tf.sub(n, 0.5 * beta);
    return reduce(tf.where(tf.less(n, beta), quad, lin), reduction);
  });
}

export function l1Loss(input: tf.Tensor, target: tf.Tensor, reduction: Reduction = 'sum'): tf.Tensor {
  checkPair('l1Loss', input, target);
  return tf.tidy(() => reduce(tf.abs(tf.sub(input, target)), reduction));
}
