/**
 * Freeing saved tensors a gradient function has finished with, before it computes the rest (so that the rest can
 * take their memory). Only when no tape is recording: in a nested gradient computation (a gradient taken while an
 * outer one records) tfjs keeps the inner tape, and the outer pass may run the same gradient function again on
 * the same saved tensors.
 */
import * as tf from '@tensorflow/tfjs';

export function disposeSpent(tensors: Array<tf.Tensor | undefined>): void {
  const depth = (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth;
  if (depth > 0) return;
  for (const t of tensors) t?.dispose();
}
