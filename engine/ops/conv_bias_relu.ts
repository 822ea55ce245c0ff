/**
 * relu?(conv2d(x, filter) + bias) for training: one FusedConv2D forward (bias and ReLU as post-ops), and a backward
 * pass that keeps only x, the filter and (with ReLU, for its mask) the output, with ReLU's gradient as one kernel where the backend has
 * ResdetReluGrad (native). tfjs's fused conv2d gradient builds step(y) and dy·step(y) over the whole output: two
 * extra activation-sized arrays at the backward pass's peak (R50-C4 with frozen batch norm, 512 RoIs: 4.93 GB in
 * use at the peak with it, 3.71 GB with this op). Used for convolutions with frozen batch norm folded in
 * (engine/nn/conv_bn.ts). The filter's gradient is computed first and the saved input and output freed before dx,
 * as Conv2D's gradient does (engine/grads/conv2d_gradient.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { hasKernel } from '../kernels/register';
import { RELU_GRAD } from './add_relu';
import { disposeSpent } from '../grads/spent';

export function convBiasRelu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, stride: number, pad: number, relu: boolean): tf.Tensor4D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xs, w, b] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
    const save = args[3] as (ts: tf.Tensor[]) => void;
    const y = tf.fused.conv2d({ x: xs, filter: w, bias: b, strides: stride, pad, activation: relu ? 'relu' : 'linear' });
    save(relu ? [xs, w, y] : [xs, w]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, sw, sy] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D?];
        const g = (!sy ? dy : hasKernel(RELU_GRAD) ? tf.engine().runKernel(RELU_GRAD, { dy, x: sy }) : tf.mul(dy, tf.step(sy))) as tf.Tensor4D;
        const attrs = { strides: stride, pad, dataFormat: 'NHWC', filterShape: sw.shape } as unknown as tf.NamedAttrMap;
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy: g }, attrs) as tf.Tensor4D;
        const inputShape = sx.shape;
        disposeSpent([sx, sy]); // dx may take their memory (see engine/grads/conv2d_gradient.ts)
        const dx = tf.conv2dTranspose(g, sw, inputShape, stride, pad);
        return [dx, dw, tf.sum(g, [0, 1, 2])];
      });
    return { value: y, gradFunc };
  });
  return (op as unknown as (a: tf.Tensor4D, b: tf.Tensor4D, c: tf.Tensor1D) => tf.Tensor4D)(x, filter, bias);
}
