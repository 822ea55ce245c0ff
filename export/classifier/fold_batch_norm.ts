/**
 * Eval-mode batch norm folded into the convolution before it, in float64, stored float32:
 *   a = γ / √(σ² + ε),  W' = W·a (per output channel),  b' = β − μ·a (+ b·a for a conv bias).
 * resdet's own eval path folds the same way in float32 (engine/nn/conv_bn.ts); here the products are rounded
 * once. The filter comes out in ONNX's OIHW layout (resdet keeps HWIO).
 */
import type { Conv2d } from '../../engine/nn/conv2d';
import type { BatchNorm2d } from '../../engine/nn/batch_norm2d';
import type * as tf from '@tensorflow/tfjs';

export interface FoldedConv {
  /** OIHW */
  dims: [number, number, number, number];
  weight: Float32Array;
  bias: Float32Array;
}

const values = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;

/** The per-output-channel scale and shift of batch norm in eval mode, in float64. */
export function batchNormAffine(bn: BatchNorm2d): { scale: Float64Array; shift: Float64Array } {
  const [gamma, beta, mean, variance] = [bn.weight.variable, bn.bias.variable, bn.runningMean, bn.runningVar].map(values);
  const scale = new Float64Array(bn.numFeatures);
  const shift = new Float64Array(bn.numFeatures);
  for (let c = 0; c < bn.numFeatures; c++) {
    scale[c] = gamma[c] / Math.sqrt(variance[c] + bn.eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  return { scale, shift };
}

/** HWIO filter × per-output-channel scale → OIHW float32. */
function scaledOihw(hwio: Float32Array, [kh, kw, cin, cout]: number[], scale: Float64Array): Float32Array {
  const out = new Float32Array(hwio.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = hwio[((y * kw + x) * cin + i) * cout + o] * scale[o];
  return out;
}

export function foldConvBn(conv: Conv2d, bn: BatchNorm2d): FoldedConv {
  const [kh, kw, cin, cout] = conv.weight.variable.shape;
  const { scale, shift } = batchNormAffine(bn);
  const convBias = conv.bias ? values(conv.bias.variable) : null;
  const bias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) bias[o] = shift[o] + (convBias ? convBias[o] * scale[o] : 0);
  return { dims: [cout, cin, kh, kw], weight: scaledOihw(values(conv.weight.variable), [kh, kw, cin, cout], scale), bias };
}
