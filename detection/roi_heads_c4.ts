/**
 * The paper's detection head ("C4"): RoI pooling (RoIAlign 14x14 by default, RoIPool as the paper's option)
 * on the stride-16 features, conv5_x (the backbone's last stage, `res5`) run per RoI, global average pooling,
 * and sibling layers: K+1 class scores and class-specific box deltas (weights 10, 10, 5, 5).
 * Training samples proposals (GT boxes added; 128 per image with 25% foreground at IoU >= 0.5, background
 * below); inference decodes per class, thresholds scores, runs per-class NMS and keeps the top detections.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../engine/nn/module';
import { Linear } from '../engine/nn/linear';
import { Rng } from '../engine/rng';
import { boxIouInto } from '../engine/kernels/box_iou_kernels';
import { ResLayer } from '../backbone/blocks';
import { BoxCoder } from './box_coder';
import { Matcher } from './matcher';
import { BalancedPositiveNegativeSampler } from './sampler';
import { roiAlign } from './roi_align';
import { roiPool } from './roi_pool';
import { batchedNmsArrays } from './nms';
import { smoothL1Loss } from './losses';
import { clipAndFilter, takeBoxes } from './host_boxes';
import { Detections, ImageSize, ImageTargets, Proposals } from './types';

export interface RoiHeadsConfig {
  pooler: 'align' | 'pool';
  resolution: number;
  samplingRatio: number;
  aligned: boolean;
  batchSizePerImage: number;
  positiveFraction: number;
  fgIouThresh: number;
  /** proposals with IoU below this are neither foreground nor background (the paper: 0.1; torchvision: 0) */
  bgIouThreshLo: number;
  bboxRegWeights: [number, number, number, number];
  smoothL1Beta: number;
  scoreThresh: number;
  nmsThresh: number;
  detectionsPerImage: number;
}

/** Sibling output layers (torchvision's FastRCNNPredictor): class scores and class-specific deltas. */
export class BoxPredictor extends Module {
  readonly clsScore: Linear;
  readonly bboxPred: Linear;
  constructor(inFeatures: number, readonly numClasses: number) {
    super();
    this.clsScore = this.addModule('cls_score', new Linear(inFeatures, numClasses + 1, { initStd: 0.01 }));
    this.bboxPred = this.addModule('bbox_pred', new Linear(inFeatures, 4 * (numClasses + 1), { initStd: 0.001 }));
  }
  forward(x: tf.Tensor2D): { logits: tf.Tensor2D; deltas: tf.Tensor2D } {
    return { logits: this.clsScore.forward(x), deltas: this.bboxPred.forward(x) };
  }
}

interface SampledRois {
  rois: Float32Array; // R*5
  labels: Int32Array; // 0 background, c+1 class c
  targets: Float32Array; // F*4 encoded deltas of the foreground rows, in row order
  fgRows: Int32Array;
}

export class C4RoiHeads extends Module {
  readonly res5: ResLayer;
  readonly boxPredictor: BoxPredictor;
  private readonly coder: BoxCoder;

  constructor(readonly cfg: RoiHeadsConfig, res5: ResLayer, readonly numClasses: number, readonly stride: number) {
    super();
    this.res5 = this.addModule('res5', res5);
    this.boxPredictor = this.addModule('box_predictor', new BoxPredictor(res5.outChannels, numClasses));
    this.coder = new BoxCoder(cfg.bboxRegWeights);
  }

  /** Pooled features of the rois [R,5] (batch index + box) through res5 and global average pooling. */
  private boxFeatures(features: tf.Tensor4D, rois: Float32Array): tf.Tensor2D {
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

  /** Proposal sampling and regression targets for one batch. */
  sample(proposals: Proposals[], targets: ImageTargets[], rng: Rng): SampledRois {
    const sampler = new BalancedPositiveNegativeSampler(this.cfg.batchSizePerImage, this.cfg.positiveFraction, rng);
    const matcher = new Matcher(this.cfg.fgIouThresh, this.cfg.fgIouThresh, false);
    const rois: number[] = [];
    const labels: number[] = [];
    const fgRows: number[] = [];
    const gtFg: number[] = [];
    const propFg: number[] = [];
    targets.forEach((t, img) => {
      const boxes = new Float32Array(proposals[img].boxes.length + t.boxes.length);
      boxes.set(proposals[img].boxes);
      boxes.set(t.boxes, proposals[img].boxes.length);
      const P = boxes.length / 4;
      const M = t.labels.length;
      const lab = new Int32Array(P);
      const matched = new Int32Array(P).fill(-1);
      if (M > 0) {
        const iou = new Float32Array(M * P);
        boxIouInto(t.boxes, M, boxes, P, iou);
        const m = matcher.matchArray(iou, M, P);
        for (let p = 0; p < P; p++) {
          let best = 0;
          for (let g = 0; g < M; g++) best = Math.max(best, iou[g * P + p]);
          matched[p] = m[p];
          lab[p] = m[p] >= 0 ? t.labels[m[p]] + 1 : best >= this.cfg.bgIouThreshLo ? 0 : -1;
        }
      }
      const [{ positive, negative }] = sampler.sample([lab]);
      for (let p = 0; p < P; p++) {
        if (!positive[p] && !negative[p]) continue;
        if (positive[p]) {
          fgRows.push(labels.length);
          gtFg.push(...t.boxes.subarray(4 * matched[p], 4 * matched[p] + 4));
          propFg.push(...boxes.subarray(4 * p, 4 * p + 4));
        }
        labels.push(positive[p] ? lab[p] : 0);
        rois.push(img, ...boxes.subarray(4 * p, 4 * p + 4));
      }
    });
    const targetsArr = fgRows.length
      ? tf.tidy(() => this.coder.encode(tf.tensor2d(gtFg, [fgRows.length, 4]), tf.tensor2d(propFg, [fgRows.length, 4])).dataSync() as Float32Array)
      : new Float32Array(0);
    return { rois: Float32Array.from(rois), labels: Int32Array.from(labels), targets: targetsArr, fgRows: Int32Array.from(fgRows) };
  }

  losses(features: tf.Tensor4D, proposals: Proposals[], targets: ImageTargets[], rng: Rng): { loss_classifier: tf.Scalar; loss_box_reg: tf.Scalar } {
    const s = this.sample(proposals, targets, rng);
    const R = s.labels.length;
    return tf.tidy(() => {
      const { logits, deltas } = this.boxPredictor.forward(this.boxFeatures(features, s.rois));
      const onehot = tf.oneHot(tf.tensor1d(s.labels, 'int32'), this.numClasses + 1);
      const lossCls = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
      let lossBox: tf.Scalar = tf.scalar(0);
      if (s.fgRows.length) {
        const K1 = this.numClasses + 1;
        const rows = Int32Array.from(s.fgRows, (r) => r * K1 + s.labels[r]);
        const pred = tf.gather(tf.reshape(deltas, [R * K1, 4]), tf.tensor1d(rows, 'int32'));
        const target = tf.tensor2d(s.targets, [s.fgRows.length, 4]);
        lossBox = tf.div(smoothL1Loss(pred, target, this.cfg.smoothL1Beta, 'sum'), Math.max(R, 1)) as tf.Scalar;
      }
      return { loss_classifier: lossCls, loss_box_reg: lossBox };
    });
  }

  /** Detections per image in network-input pixels; labels are contiguous classes 0..K-1. */
  detect(features: tf.Tensor4D, proposals: Proposals[], sizes: ImageSize[]): Detections[] {
    const rois: number[] = [];
    proposals.forEach((p, img) => {
      for (let k = 0; k < p.boxes.length; k += 4) rois.push(img, p.boxes[k], p.boxes[k + 1], p.boxes[k + 2], p.boxes[k + 3]);
    });
    const R = rois.length / 5;
    const K = this.numClasses;
    if (R === 0) return sizes.map(() => ({ boxes: new Float32Array(0), scores: new Float32Array(0), labels: new Int32Array(0) }));
    const [probs, deltas] = tf.tidy(() => {
      const { logits, deltas } = this.boxPredictor.forward(this.boxFeatures(features, Float32Array.from(rois)));
      return [tf.softmax(logits).dataSync() as Float32Array, deltas.dataSync() as Float32Array];
    });
    const boxes = this.coder.decodeArrays(deltas, Float32Array.from({ length: R * 4 }, (_, i) => rois[Math.floor(i / 4) * 5 + 1 + (i % 4)]));
    const out: Detections[] = [];
    let row = 0;
    proposals.forEach((p, img) => {
      const n = p.boxes.length / 4;
      const cb: number[] = [];
      const cs: number[] = [];
      const cl: number[] = [];
      for (let r = row; r < row + n; r++) {
        for (let c = 1; c <= K; c++) {
          const score = probs[r * (K + 1) + c];
          if (score <= this.cfg.scoreThresh) continue;
          const o = (r * (K + 1) + c) * 4;
          cb.push(boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]);
          cs.push(score);
          cl.push(c - 1);
        }
      }
      row += n;
      const kept = clipAndFilter(Float32Array.from(cb), Float32Array.from(cs), sizes[img], 1e-2);
      const labels = Int32Array.from(kept.index, (i) => cl[i]);
      const keep = batchedNmsArrays(kept.boxes, kept.scores, labels, this.cfg.nmsThresh).slice(0, this.cfg.detectionsPerImage);
      out.push({
        boxes: takeBoxes(kept.boxes, keep),
        scores: Float32Array.from(keep, (k) => kept.scores[k]),
        labels: Int32Array.from(keep, (k) => labels[k]),
      });
    });
    return out;
  }
}
