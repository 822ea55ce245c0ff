/**
 * torchvision's FastRCNNConvFCHead (the box head of fasterrcnn_resnet50_fpn_v2; Detectron2's "FastRCNNConvFCHead"
 * with NUM_CONV 4, NUM_FC 1, NORM "BN"): `numConv` 3x3 convolutions of `convDim` channels on each pooled RoI,
 * each torchvision's Conv2dNormActivation — without bias and with BatchNorm2d when `norm` is 'bn', with bias
 * otherwise — and ReLU; then flatten (index numConv, no parameters) in PyTorch's channel-major order (C, y, x),
 * and one fully connected layer of `fcDim` with ReLU (index numConv + 1). Names as torchvision's Sequential:
 * `box_head.0.0.weight`, `box_head.0.1.running_mean`, …, `box_head.5.weight` for four convolutions.
 * Initialisation as torchvision: convolutions kaiming_normal_(fan_out, relu), no bias (or bias 0); the linear
 * layer PyTorch's default U(±1/sqrt(fan_in)).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../engine/nn/module';
import { Linear } from '../../engine/nn/linear';
import { Conv2dNormActivation } from '../../engine/nn/conv_norm_activation';

export interface ConvFcHeadOptions {
  numConv: number;
  convDim: number;
  norm: 'bn' | null;
  fcDim: number;
}

export class ConvFcHead extends Module {
  readonly convs: Conv2dNormActivation[];
  readonly fc: Linear;

  /** `inChannels` and `resolution`: the pooled RoI features [R, resolution, resolution, inChannels]. */
  constructor(inChannels: number, resolution: number, readonly opts: ConvFcHeadOptions) {
    super();
    this.convs = Array.from({ length: opts.numConv }, (_, i) =>
      this.addModule(String(i), new Conv2dNormActivation(i === 0 ? inChannels : opts.convDim, opts.convDim, { kernelSize: 3, norm: opts.norm, relu: true })));
    const flat = (opts.numConv ? opts.convDim : inChannels) * resolution * resolution;
    this.fc = this.addModule(String(opts.numConv + 1), new Linear(flat, opts.fcDim));
  }

  get outFeatures(): number {
    return this.opts.fcDim;
  }

  /** pooled [R, h, w, C] → [R, fcDim] */
  forward(pooled: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.convs.reduce((h, c) => c.forward(h), pooled);
      const flat = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]) as tf.Tensor2D;
      return tf.relu(this.fc.forward(flat));
    });
  }
}
