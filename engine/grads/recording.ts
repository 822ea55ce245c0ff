/**
 * Whether a gradient tape is recording (tf.grad, tf.variableGrads, an optimizer's minimize running): the forward
 * pass will be differentiated, so kernels must not take shortcuts that break it (folded weights cached, Winograd,
 * results written in place, saved tensors freed early).
 */
import * as tf from '@tensorflow/tfjs';

export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}
