/** Training kernels for the wasm backend (see engine/kernels/register.ts). */
import * as tf from '@tensorflow/tfjs';

export function wasmTrainingKernels(): tf.KernelConfig[] {
  return [];
}
