/**
 * A convolution followed by batch norm (and optionally ReLU), the unit of every ResNet. In training with batch
 * statistics it is conv, then batch norm, then ReLU. In eval mode, and for frozen batch norm (fixed statistics,
 * weight and bias) in training, the batch norm is folded into the convolution — filter w·a and bias β − μ·a (+ b·a for a conv bias) with
 * a = γ / √(σ² + ε), as torch.jit / ONNX exports do — and runs as one fused convolution with bias and ReLU: one
 * pass over the activations instead of three. The folded filter and bias are cached and recomputed when any of
 * the variables they come from has been assigned (new data), so loading weights or training in between is safe.
 * Under a gradient tape nothing is cached (gradients flow through the fold): a frozen unit's backward pass then
 * keeps one activation (the fused output) where conv, scale-and-shift and ReLU kept three (the R50-C4 step's res5
 * on 512 RoIs).
 * The end of a residual block, relu(bn(conv(h)) + identity), is convBnAddRelu: in eval mode on a backend with
 * ResdetConv2DAddRelu (native) one convolution reads the identity as a post-op (no extra pass over the output,
 * no separate add kernel) — or, when the block owns the identity, sums into it; elsewhere convBn, then addRelu.
 */
import * as tf from '@tensorflow/tfjs';
import type { Conv2d } from './conv2d';
import type { BatchNorm2d } from './batch_norm2d';
import { addRelu } from '../ops/add_relu';
import { convBiasRelu } from '../ops/conv_bias_relu';
import { hasKernel } from '../kernels/register';
import { recordingGradients } from '../grads/recording';

export const CONV_ADD_RELU = 'ResdetConv2DAddRelu';

interface Folded {
  /** data ids of conv weight, conv bias, γ, β, μ, σ² when folded */
  sources: object[];
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

const cache = new WeakMap<BatchNorm2d, Folded>();
const NONE = {};

function sourcesOf(conv: Conv2d, bn: BatchNorm2d): object[] {
  const vars: Array<tf.Tensor | null> = [conv.weight.variable, conv.bias?.variable ?? null, bn.weight.variable, bn.bias.variable, bn.runningMean, bn.runningVar];
  return vars.map((v) => (v ? v.dataId : NONE));
}

function fold(conv: Conv2d, bn: BatchNorm2d): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  return tf.tidy(() => {
    const a = tf.div(bn.weight.variable, tf.sqrt(tf.add(bn.runningVar, bn.eps)));
    let bias = tf.sub(bn.bias.variable, tf.mul(bn.runningMean, a));
    if (conv.bias) bias = tf.add(bias, tf.mul(conv.bias.variable, a));
    return { filter: tf.mul(conv.weight.variable, a) as tf.Tensor4D, bias: bias as tf.Tensor1D };
  });
}

function same(a: object[], b: object[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The folded filter and bias (cached outside gradient tapes; the caller must not dispose cached ones). */
function folded(conv: Conv2d, bn: BatchNorm2d): { filter: tf.Tensor4D; bias: tf.Tensor1D; owned: boolean } {
  if (recordingGradients()) return { ...fold(conv, bn), owned: true };
  const sources = sourcesOf(conv, bn);
  const hit = cache.get(bn);
  if (hit && same(hit.sources, sources)) return { filter: hit.filter, bias: hit.bias, owned: false };
  if (hit) tf.dispose([hit.filter, hit.bias]);
  const f = fold(conv, bn);
  tf.keep(f.filter);
  tf.keep(f.bias);
  cache.set(bn, { sources, ...f });
  return { ...f, owned: false };
}

/** Frees the folded copy kept for `bn` (when the module is disposed). */
export function releaseFolded(bn: BatchNorm2d): void {
  const hit = cache.get(bn);
  if (hit) tf.dispose([hit.filter, hit.bias]);
  cache.delete(bn);
}

/** relu?(bn(conv(x))), folded into one convolution in eval mode and for frozen batch norm in training. */
export function convBn(conv: Conv2d, bn: BatchNorm2d, x: tf.Tensor4D, relu: boolean): tf.Tensor4D {
  if (bn.training && !bn.frozen) return tf.tidy(() => bn.forward(conv.forward(x), relu));
  const f = folded(conv, bn);
  try {
    if (f.owned) return convBiasRelu(x, f.filter, f.bias, conv.stride, conv.padding, relu); // under a gradient tape
    return tf.fused.conv2d({ x, filter: f.filter, bias: f.bias, strides: conv.stride, pad: conv.padding, activation: relu ? 'relu' : 'linear' });
  } finally {
    if (f.owned) tf.dispose([f.filter, f.bias]);
  }
}

/**
 * relu(bn(conv(h)) + identity), identity of the output's shape: one kernel in eval mode where the backend has it.
 * consumeIdentity: the caller will not read `identity` again (and disposes it), so the kernel may write the result
 * into its storage (on native: the add as a sum post-op, no new array).
 */
export function convBnAddRelu(conv: Conv2d, bn: BatchNorm2d, h: tf.Tensor4D, identity: tf.Tensor4D, consumeIdentity = false): tf.Tensor4D {
  if ((bn.training && !bn.frozen) || recordingGradients() || !hasKernel(CONV_ADD_RELU) || identity.dtype !== 'float32') {
    return tf.tidy(() => addRelu(convBn(conv, bn, h, false), identity));
  }
  const f = folded(conv, bn);
  const inputs = { x: h, filter: f.filter, bias: f.bias, add: identity } as unknown as tf.NamedTensorMap;
  const attrs = { strides: conv.stride, pad: conv.padding, consumeAdd: consumeIdentity };
  return tf.engine().runKernel(CONV_ADD_RELU, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
