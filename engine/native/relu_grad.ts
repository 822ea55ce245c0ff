/**
 * ReLU's gradient as one native kernel on the native backend: dx = dy * (x > 0) in one pass, instead of
 * tfjs's Step, Cast and Multiply over the whole activation. The gradient registered for 'Relu' keeps
 * tfjs's own on every other backend.
 */
import * as tf from '@tensorflow/tfjs';
import { addon, nativeKernel, nb } from './kernels/common';
import { RELU_GRAD } from '../ops/add_relu';

export { RELU_GRAD };

export const reluGradKernel = nativeKernel(RELU_GRAD, ({ inputs, backend }) => {
  const be = nb(backend);
  const { dy, x } = inputs as Record<string, tf.TensorInfo>;
  const dyv = be.f32(dy), xv = be.f32(x);
  if (!dyv || !xv || dyv.length !== xv.length) throw new Error(`${RELU_GRAD}: float32 inputs of one shape expected`);
  const out = be.allocF32(x.shape);
  if (xv.length > 0) addon().reluGrad(dyv, xv, out.values);
  return out.info;
});

let done = false;

export function registerNativeReluGradient(): void {
  if (done) return;
  done = true;
  const tfjs = tf.getGradient('Relu');
  if (!tfjs) return;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== 'native') return tfjs.gradFunc(dy, saved, attrs);
      const [x] = saved;
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor };
    },
  });
}
