/**
 * What both Faster R-CNN layouts do with their three parts (backbone → RPN → RoI heads): the training losses
 * of a batch, and detection in eval mode. A layout builds the parts (`F` is its feature type: one map for C4,
 * the pyramid's levels for FPN) and says how ImageNet weights map onto it.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../engine/nn/module';
import { SamplingRng } from './sampler';
import { RegionProposalNetwork } from './rpn';
import { RoiHeads } from './roi_heads';
import { Detections, ImageSize, ImageTargets } from '../structures';
import type { DetectorLosses } from './detector_model';

export abstract class TwoStageDetector<F extends tf.Tensor4D | tf.Tensor4D[]> extends Module {
  abstract readonly backbone: Module & { forward(x: tf.Tensor4D): F };
  abstract readonly rpn: RegionProposalNetwork;
  abstract readonly roiHeads: RoiHeads<F>;

  /** Training losses for a padded batch (synchronous, to run inside a gradient tape). */
  losses(images: tf.Tensor4D, sizes: ImageSize[], targets: ImageTargets[], rng: SamplingRng): DetectorLosses {
    const features = this.backbone.forward(images);
    const { proposals, losses: rpnLosses } = this.rpn.forward(features, sizes, { targets, rng });
    const headLosses = this.roiHeads.losses(features, proposals, targets, rng);
    tf.dispose(features);
    const parts = { ...rpnLosses!, ...headLosses };
    const total = tf.addN(Object.values(parts)) as tf.Scalar;
    return { total, parts };
  }

  /** Detections per image in network-input pixels (eval mode, restored afterwards). */
  detect(images: tf.Tensor4D, sizes: ImageSize[]): Detections[] {
    const was = this.training;
    this.eval();
    try {
      const features = this.backbone.forward(images);
      const { proposals } = this.rpn.forward(features, sizes);
      const dets = this.roiHeads.detect(features, proposals, sizes);
      tf.dispose(features);
      return dets;
    } finally {
      this.train(was);
    }
  }
}
