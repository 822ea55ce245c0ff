/**
 * What the C4 and FPN box heads share (torchvision's RoIHeads): the sibling output layers (K+1 class scores,
 * class-specific deltas with weights 10, 10, 5, 5), proposal targets (GT boxes added to the proposals; labels
 * class + 1 at IoU >= fgIouThresh, background below down to bgIouThreshLo; balanced sampling per image), the
 * losses (softmax cross-entropy over the sampled RoIs, smooth-L1 of the foreground rows' true-class deltas
 * summed and divided by the number of sampled RoIs), and post-processing (softmax, per-class decode, clip,
 * score threshold, small-box removal, per-class NMS, top detections). A layout supplies only `boxFeatures`:
 * how a set of RoIs becomes one feature vector per RoI.
 */
import * as tf from '@tensorflow/tfjs';
import { untaped } from '../../engine/grads/untaped';
import { Module } from '../../engine/nn/module';
import { Linear } from '../../engine/nn/linear';
import { boxIouInto } from '../../engine/kernels/box_iou_kernels';
import { BoxCoder } from './box_coder';
import { Matcher } from './matcher';
import { BalancedPositiveNegativeSampler, rngFor, SamplingRng } from './sampler';
import { batchedNmsArrays } from '../ops/nms';
import { smoothL1Loss } from '../ops/losses';
import { clipAndFilter, takeBoxes } from '../ops/host_boxes';
import { Detections, ImageSize, ImageTargets, Proposals } from '../structures';

/**
 * RoIs per pass through the box head at inference: the C4 head runs res5 on every RoI, and 1,000 proposals at
 * 14x14x1024 in one pass hold gigabytes of activations; chunks bound that (results equal up to float rounding).
 */
export const DETECT_CHUNK = 256;

export interface RoiHeadsConfig {
  pooler: 'align' | 'pool';
  resolution: number;
  samplingRatio: number;
  aligned: boolean;
  /** width of the FPN box head's fully connected layers (type 'fpn' only): fc6/fc7 of 'mlp', the one FC of 'convfc' */
  mlpDim: number;
  /**
   * the FPN box head (type 'fpn' only): 'mlp' (two fully connected layers, torchvision's TwoMLPHead, v1) or
   * 'convfc' (numConv 3x3 conv + norm + ReLU and one fully connected layer, FastRCNNConvFCHead, v2)
   */
  boxHead: 'mlp' | 'convfc';
  /** 'convfc' only: number of 3x3 convolutions (torchvision v2: 4), their channels (256) and norm ('bn' or null) */
  numConv: number;
  convDim: number;
  convNorm: 'bn' | null;
  /** FPN level rule: the box side pooled from P4 (224; type 'fpn' only) */
  canonicalScale: number;
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

export interface SampledRois {
  rois: Float32Array; // R*5
  labels: Int32Array; // 0 background, c+1 class c
  targets: Float32Array; // F*4 encoded deltas of the foreground rows, in row order
  fgRows: Int32Array;
}

/** RoI rows (batch index, x1, y1, x2, y2) of every image's proposals, image by image. */
export function proposalRois(proposals: Proposals[]): Float32Array {
  const n = proposals.reduce((s, p) => s + p.boxes.length / 4, 0);
  const rois = new Float32Array(n * 5);
  let r = 0;
  proposals.forEach((p, img) => {
    for (let k = 0; k < p.boxes.length; k += 4, r++) rois.set([img, p.boxes[k], p.boxes[k + 1], p.boxes[k + 2], p.boxes[k + 3]], 5 * r);
  });
  return rois;
}

/** The box head of a layout whose full-image features are of type F (one map for C4, the pyramid for FPN). */
export abstract class RoiHeads<F> extends Module {
  abstract readonly boxPredictor: BoxPredictor;
  protected readonly coder: BoxCoder;
  /** RoIs per box-head pass in detect() (DETECT_CHUNK). */
  detectChunk = DETECT_CHUNK;

  constructor(readonly cfg: RoiHeadsConfig, readonly numClasses: number) {
    super();
    this.coder = new BoxCoder(cfg.bboxRegWeights);
  }

  /** One feature vector [R, D] per RoI row [R*5] (batch index + box in network-input pixels). */
  protected abstract boxFeatures(features: F, rois: Float32Array): tf.Tensor2D;

  /** Proposal sampling and regression targets for one batch. */
  sample(proposals: Proposals[], targets: ImageTargets[], rng: SamplingRng): SampledRois {
    const sampler = (img: number) => new BalancedPositiveNegativeSampler(this.cfg.batchSizePerImage, this.cfg.positiveFraction, rngFor(rng, img));
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
      const [{ positive, negative }] = sampler(img).sample([lab]);
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
      ? untaped(() => tf.tidy(() => this.coder.encode(tf.tensor2d(gtFg, [fgRows.length, 4]), tf.tensor2d(propFg, [fgRows.length, 4])).dataSync() as Float32Array))
      : new Float32Array(0);
    return { rois: Float32Array.from(rois), labels: Int32Array.from(labels), targets: targetsArr, fgRows: Int32Array.from(fgRows) };
  }

  losses(features: F, proposals: Proposals[], targets: ImageTargets[], rng: SamplingRng): { loss_classifier: tf.Scalar; loss_box_reg: tf.Scalar } {
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
  detect(features: F, proposals: Proposals[], sizes: ImageSize[]): Detections[] {
    const rois = proposalRois(proposals);
    const R = rois.length / 5;
    const K = this.numClasses;
    if (R === 0) return sizes.map(() => ({ boxes: new Float32Array(0), scores: new Float32Array(0), labels: new Int32Array(0) }));
    const probs = new Float32Array(R * (K + 1));
    const deltas = new Float32Array(R * (K + 1) * 4);
    for (let r0 = 0; r0 < R; r0 += this.detectChunk) {
      const r1 = Math.min(R, r0 + this.detectChunk);
      tf.tidy(() => {
        const { logits, deltas: d } = this.boxPredictor.forward(this.boxFeatures(features, rois.subarray(r0 * 5, r1 * 5)));
        probs.set(tf.softmax(logits).dataSync() as Float32Array, r0 * (K + 1));
        deltas.set(d.dataSync() as Float32Array, r0 * (K + 1) * 4);
      });
    }
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
      const keep = batchedNmsArrays(kept.boxes, kept.scores, labels, this.cfg.nmsThresh, this.cfg.detectionsPerImage);
      out.push({
        boxes: takeBoxes(kept.boxes, keep),
        scores: Float32Array.from(keep, (k) => kept.scores[k]),
        labels: Int32Array.from(keep, (k) => labels[k]),
      });
    });
    return out;
  }
}
