/**
 * 2-D convolution over NHWC input with an HWIO filter named `weight` (torchvision's OIHW transposed) and
 * torchvision's symmetric explicit padding, so outputs match PyTorch at every stride and size.
 */
import * as tf from '@tensorflow/tfjs';
import { Module, Parameter } from './module';
import { heNormalFanOut, UniformSource, normal } from './init';

export interface Conv2dOptions {
  kernelSize: number;
  stride?: number;
  padding?: number;
  bias?: boolean;
  /** standard deviation for a normal init instead of He fan_out (detection heads use 0.01 / 0.001) */
  initStd?: number;
  rand?: UniformSource;
}

export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: number;
  readonly padding: number;

  constructor(readonly inChannels: number, readonly outChannels: number, opts: Conv2dOptions) {
    super();
    const k = opts.kernelSize;
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? Math.floor(k / 2);
    const shape: [number, number, number, number] = [k, k, inChannels, outChannels];
    const w = opts.initStd !== undefined ? normal(shape, opts.initStd, opts.rand) : heNormalFanOut(shape, opts.rand);
    this.weight = this.addParameter('weight', w);
    this.bias = opts.bias ? this.addParameter('bias', tf.zeros([outChannels])) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const filter = this.weight.variable as tf.Tensor4D;
    if (!this.bias) return tf.conv2d(x, filter, this.stride, this.padding);
    // the bias as the convolution's post-op (one kernel on native, and no separate add in the backward pass)
    return tf.fused.conv2d({ x, filter, strides: this.stride, pad: this.padding, bias: this.bias.variable });
  }
}
