/**
 * The RPN head (torchvision names `rpn.head.*`): a 3x3 convolution with ReLU shared by every anchor position,
 * then sibling 1x1 convolutions for the objectness logit of each of the A anchors and their 4 box deltas.
 * Initialised N(0, 0.01), biases 0, as Faster R-CNN does.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../engine/nn/module';
import { Conv2d } from '../engine/nn/conv2d';

export class RpnHead extends Module {
  readonly conv: Conv2d;
  readonly clsLogits: Conv2d;
  readonly bboxPred: Conv2d;

  constructor(readonly inChannels: number, readonly numAnchors: number) {
    super();
    this.conv = this.addModule('conv', new Conv2d(inChannels, inChannels, { kernelSize: 3, bias: true, initStd: 0.01 }));
    this.clsLogits = this.addModule('cls_logits', new Conv2d(inChannels, numAnchors, { kernelSize: 1, bias: true, initStd: 0.01 }));
    this.bboxPred = this.addModule('bbox_pred', new Conv2d(inChannels, 4 * numAnchors, { kernelSize: 1, bias: true, initStd: 0.01 }));
  }

  /**
   * Objectness [N, H*W*A] and deltas [N, H*W*A, 4], in anchor order (y, x, anchor) — the order of
   * generateAnchors.
   */
  forward(features: tf.Tensor4D): { objectness: tf.Tensor2D; deltas: tf.Tensor3D } {
    return tf.tidy(() => {
      const [n, h, w] = features.shape;
      const t = tf.relu(this.conv.forward(features));
      const objectness = tf.reshape(this.clsLogits.forward(t), [n, h * w * this.numAnchors]) as tf.Tensor2D;
      const deltas = tf.reshape(this.bboxPred.forward(t), [n, h * w * this.numAnchors, 4]) as tf.Tensor3D;
      return { objectness, deltas };
    });
  }
}
