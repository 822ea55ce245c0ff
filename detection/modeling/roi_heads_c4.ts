/**
 * The paper's detection head ("C4"): RoI pooling (RoIAlign 14x14 by default, RoIPool as the paper's option)
 * on the stride-16 features, conv5_x (the backbone's last stage, `res5`) run per RoI, global average pooling,
 * then the shared sibling layers, targets, losses and post-processing of roi_heads.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { ResLayer } from '../../backbone/blocks';
import { roiAlign } from '../ops/roi_align';
import { roiPool } from '../ops/roi_pool';
import { BoxPredictor, RoiHeads, RoiHeadsConfig } from './roi_heads';

export class C4RoiHeads extends RoiHeads<tf.Tensor4D> {
  readonly res5: ResLayer;
  readonly boxPredictor: BoxPredictor;

  constructor(cfg: RoiHeadsConfig, res5: ResLayer, numClasses: number, readonly stride: number) {
    super(cfg, numClasses);
    this.res5 = this.addModule('res5', res5);
    this.boxPredictor = this.addModule('box_predictor', new BoxPredictor(res5.outChannels, numClasses));
  }

  /** Pooled features of the rois [R,5] (batch index + box) through res5 and global average pooling. */
  protected boxFeatures(features: tf.Tensor4D, rois: Float32Array): tf.Tensor2D {
    return tf.tidy(() => {
      const r = tf.tensor2d(rois, [rois.length / 5, 5]);
      const size: [number, number] = [this.cfg.resolution, this.cfg.resolution];
      const pooled =
        this.cfg.pooler === 'pool'
          ? roiPool(features, r, { outputSize: size, spatialScale: 1 / this.stride })
          : roiAlign(features, r, { outputSize: size, spatialScale: 1 / this.stride, samplingRatio: this.cfg.samplingRatio, aligned: this.cfg.aligned });
      return tf.mean(this.res5.forward(pooled), [1, 2]) as tf.Tensor2D;
    });
  }
}
