/**
 * Freeing saved tensors a gradient function has finished with, before it computes the rest (so that the rest can
 * take their memory). Only when no tape is recording: in a nested gradient computation (a gradient taken while an
 * outer one records) tfjs keeps the inner tape, and the outer pass may run the same gradient function again on
 * the same saved tensors.
 */
import type * as tf from '@tensorflow/tfjs';
import { recordingGradients } from './recording';

export function disposeSpent(tensors: Array<tf.Tensor | undefined>): void {
  if (recordingGradients()) return;
  for (const t of tensors) t?.dispose();
}
