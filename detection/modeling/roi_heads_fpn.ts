/**
 * The FPN layout's box head: each RoI pooled from its pyramid level (multi_scale_roi_align.ts; 7x7, sampling
 * ratio 2 in torchvision's recipe), then `roiHeads.boxHead`:
 * - 'mlp' (torchvision's TwoMLPHead, fasterrcnn_resnet50_fpn): flattened in PyTorch's channel-major order
 *   (C, y, x) so that `fc6` takes torchvision's weights as they are, two fully connected layers with ReLU
 *   (`box_head.fc6`, `box_head.fc7`, `mlpDim` wide);
 * - 'convfc' (FastRCNNConvFCHead, fasterrcnn_resnet50_fpn_v2; roi_heads_conv_fc.ts): `numConv` 3x3 conv (+ BN)
 *   + ReLU, then one fully connected layer of `mlpDim` with ReLU;
 * then the shared sibling layers (FastRCNNPredictor), targets, losses and post-processing of roi_heads.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../engine/nn/module';
import { Linear } from '../../engine/nn/linear';
import { multiScaleRoiAlign } from '../ops/multi_scale_roi_align';
import { BoxPredictor, RoiHeads, RoiHeadsConfig } from './roi_heads';
import { ConvFcHead } from './roi_heads_conv_fc';

/** Two fully connected layers with ReLU over the flattened pooled features. */
export class TwoMlpHead extends Module {
  readonly fc6: Linear;
  readonly fc7: Linear;
  constructor(inFeatures: number, readonly dim: number) {
    super();
    this.fc6 = this.addModule('fc6', new Linear(inFeatures, dim));
    this.fc7 = this.addModule('fc7', new Linear(dim, dim));
  }
  /** pooled [R, h, w, C] → [R, dim] */
  forward(pooled: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const flat = tf.reshape(tf.transpose(pooled, [0, 3, 1, 2]), [pooled.shape[0], -1]) as tf.Tensor2D;
      return tf.relu(this.fc7.forward(tf.relu(this.fc6.forward(flat))));
    });
  }
}

export class FpnRoiHeads extends RoiHeads<tf.Tensor4D[]> {
  readonly boxHead: TwoMlpHead | ConvFcHead;
  readonly boxPredictor: BoxPredictor;

  /** `strides`: the pyramid levels RoIs are pooled from (P2…P5: 4, 8, 16, 32). */
  constructor(cfg: RoiHeadsConfig, inChannels: number, numClasses: number, readonly strides: number[]) {
    super(cfg, numClasses);
    const head = (cfg.boxHead ?? 'mlp') === 'convfc'
      ? new ConvFcHead(inChannels, cfg.resolution, { numConv: cfg.numConv, convDim: cfg.convDim, norm: cfg.convNorm, fcDim: cfg.mlpDim })
      : new TwoMlpHead(inChannels * cfg.resolution * cfg.resolution, cfg.mlpDim);
    this.boxHead = this.addModule('box_head', head);
    this.boxPredictor = this.addModule('box_predictor', new BoxPredictor(cfg.mlpDim, numClasses));
  }

  /** `features`: the pyramid levels of `strides` (extra coarser levels are not pooled from). */
  protected boxFeatures(features: tf.Tensor4D[], rois: Float32Array): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = multiScaleRoiAlign(features.slice(0, this.strides.length), rois, {
        strides: this.strides,
        outputSize: [this.cfg.resolution, this.cfg.resolution],
        pooler: this.cfg.pooler,
        samplingRatio: this.cfg.samplingRatio,
        aligned: this.cfg.aligned,
        canonicalScale: this.cfg.canonicalScale,
      });
      return this.boxHead.forward(pooled);
    });
  }
}
