/**
 * relu(a + b), the end of a residual block, as one kernel with its own gradient where the backend has
 * ResdetAddRelu (native): one pass instead of Add then Relu, and a backward pass reading the output only.
 * Elsewhere (or when the shapes differ) tfjs's relu(add(a, b)).
 */
import * as tf from '@tensorflow/tfjs';
import { hasKernel } from '../kernels/register';

export const ADD_RELU = 'ResdetAddRelu';
export const RELU_GRAD = 'ResdetReluGrad';

let gradientRegistered = false;

function registerGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: ADD_RELU,
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [y] = saved;
      // relu(s) > 0 exactly where s > 0, so the mask comes from the output
      const g = hasKernel(RELU_GRAD)
        ? (tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x: y }) as tf.Tensor)
        : tf.mul(dy as tf.Tensor, tf.step(y));
      return { a: () => g, b: () => tf.clone(g) };
    },
  });
}

export function addRelu<T extends tf.Tensor>(a: T, b: T): T {
  if (!hasKernel(ADD_RELU) || a.shape.join() !== b.shape.join() || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return tf.tidy(() => tf.relu(tf.add(a, b))) as T;
  }
  registerGradient();
  return tf.engine().runKernel(ADD_RELU, { a, b }) as T;
}
