/**
 * Conv2D's gradient (tfjs's rule: dx = the transposed convolution of dy with the filter, dW = the correlation of
 * the input with dy, the same two kernels), with the filter's part listed first and freeing the saved input as
 * soon as it is computed: nothing else needs the input (dx needs only its shape), so the lean backward pass
 * (lean_gradients.ts, which runs the parts in the order listed here) has one activation fewer in memory while
 * dx is computed. Where a tensor feeds two convolutions — the input of R50-C4's res5, 411 MB with 512 RoIs —
 * the second's dx then takes the memory of the input instead of a third array of that size. Unlike tfjs's, the
 * kernels get `dimRoundingMode` too.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeSpent } from './spent';

let registered = false;

export function registerConv2DGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.Conv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dys, saved, attrs) => {
      const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor4D;
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { dilations, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
      const d = typeof dilations === 'number' ? [dilations] : dilations ?? [1];
      if (d.some((v) => v !== 1)) throw new Error(`Error in gradient of conv2D: dilation rates greater than 1 are not yet supported in gradients. Got dilations '${dilations}'`);
      const inputShape = x.shape;
      const common = { strides, pad, dataFormat, dimRoundingMode } as unknown as tf.NamedAttrMap;
      return {
        filter: () => {
          const dW = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...common, filterShape: filter.shape }) as tf.Tensor;
          disposeSpent([x]);
          return dW;
        },
        x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { ...common, inputShape }) as tf.Tensor,
      };
    },
  });
}
