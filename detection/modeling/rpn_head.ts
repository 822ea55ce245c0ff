/**
 * The RPN head (torchvision names `rpn.head.*`): `convDepth` 3x3 convolutions with ReLU shared by every anchor
 * position, then sibling 1x1 convolutions for the objectness logit of each of the A anchors and their 4 box
 * deltas. Initialised N(0, 0.01), biases 0, as Faster R-CNN and torchvision's RPNHead do.
 * One convolution (fasterrcnn_resnet50_fpn, the C4 layout) is named `rpn.head.conv.weight`, as torchvision's
 * published v1 file and resdet's checkpoints; two or more (fasterrcnn_resnet50_fpn_v2: conv_depth=2) are
 * torchvision's Sequential of Conv2dNormActivation without norm: `rpn.head.conv.0.0.weight`, `conv.1.0.weight`, ….
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../engine/nn/module';
import { Conv2d } from '../../engine/nn/conv2d';
import { ModuleList } from '../../engine/nn/module_list';
import { Conv2dNormActivation } from '../../engine/nn/conv_norm_activation';

const INIT_STD = 0.01;

export class RpnHead extends Module {
  /** the 3x3 convolution(s): one Conv2d (then ReLU), or a list of conv + ReLU blocks */
  readonly conv: Conv2d | ModuleList<Conv2dNormActivation>;
  readonly clsLogits: Conv2d;
  readonly bboxPred: Conv2d;

  constructor(readonly inChannels: number, readonly numAnchors: number, readonly convDepth = 1) {
    super();
    if (!Number.isInteger(convDepth) || convDepth < 1) throw new Error(`RpnHead: convDepth must be a positive integer, got ${convDepth}`);
    const block = () => new Conv2dNormActivation(inChannels, inChannels, { kernelSize: 3, norm: null, relu: true, initStd: INIT_STD });
    this.conv = this.addModule('conv', convDepth === 1
      ? new Conv2d(inChannels, inChannels, { kernelSize: 3, bias: true, initStd: INIT_STD })
      : new ModuleList(Array.from({ length: convDepth }, block)));
    this.clsLogits = this.addModule('cls_logits', new Conv2d(inChannels, numAnchors, { kernelSize: 1, bias: true, initStd: INIT_STD }));
    this.bboxPred = this.addModule('bbox_pred', new Conv2d(inChannels, 4 * numAnchors, { kernelSize: 1, bias: true, initStd: INIT_STD }));
  }

  /** The shared convolution(s) with ReLU. */
  private trunk(features: tf.Tensor4D): tf.Tensor4D {
    if (this.conv instanceof Conv2d) return tf.tidy(() => tf.relu((this.conv as Conv2d).forward(features)));
    return tf.tidy(() => (this.conv as ModuleList<Conv2dNormActivation>).items.reduce((h, b) => b.forward(h), features));
  }

  /**
   * Objectness [N, H*W*A] and deltas [N, H*W*A, 4], in anchor order (y, x, anchor) — the order of
   * generateAnchors.
   */
  forward(features: tf.Tensor4D): { objectness: tf.Tensor2D; deltas: tf.Tensor3D } {
    return tf.tidy(() => {
      const [n, h, w] = features.shape;
      const t = this.trunk(features);
      const objectness = tf.reshape(this.clsLogits.forward(t), [n, h * w * this.numAnchors]) as tf.Tensor2D;
      const deltas = tf.reshape(this.bboxPred.forward(t), [n, h * w * this.numAnchors, 4]) as tf.Tensor3D;
      return { objectness, deltas };
    });
  }
}
