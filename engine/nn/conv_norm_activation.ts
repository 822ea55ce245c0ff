/**
 * torchvision's Conv2dNormActivation (ops/misc.py): a convolution (`0`), optionally batch norm (`1`) and
 * optionally ReLU, with torchvision's names (`N.0.weight`, `N.1.running_mean`, …). The convolution has a bias
 * only without batch norm, as torchvision's default `bias=None` does. With batch norm it runs through convBn
 * (batch statistics in training, folded into one convolution in eval mode or when frozen).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Conv2d } from './conv2d';
import { BatchNorm2d } from './batch_norm2d';
import { convBn } from './conv_bn';

export interface ConvNormActivationOptions {
  kernelSize: number;
  /** 'bn' (BatchNorm2d, eps 1e-5) or null (no norm: the convolution has a bias) */
  norm: 'bn' | null;
  relu: boolean;
  /** normal init with this std (detection heads) instead of He fan_out (kaiming_normal_, relu) */
  initStd?: number;
}

export class Conv2dNormActivation extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d | null;

  constructor(cin: number, cout: number, readonly opts: ConvNormActivationOptions) {
    super();
    this.conv = this.addModule('0', new Conv2d(cin, cout, { kernelSize: opts.kernelSize, bias: opts.norm === null, initStd: opts.initStd }));
    this.bn = opts.norm === 'bn' ? this.addModule('1', new BatchNorm2d(cout)) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (this.bn) return convBn(this.conv, this.bn, x, this.opts.relu);
    return tf.tidy(() => {
      const y = this.conv.forward(x);
      return this.opts.relu ? tf.relu(y) : y;
    });
  }
}
