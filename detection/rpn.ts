/**
 * The region proposal network: anchors over the shared features, the RPN head, proposals (top-k by
 * objectness, decode, clip, remove small, NMS, top-k) and, in training, its targets and losses (IoU matcher
 * 0.7 / 0.3 with the best anchor of every GT kept, 256 anchors per image with at most half positive, binary
 * cross-entropy and smooth-L1 over the sampled anchors). Proposals carry no gradient (approximate joint
 * training). Everything here is synchronous so that it can run inside a gradient tape.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../engine/nn/module';
import { Rng } from '../engine/rng';
import { boxIouInto } from '../engine/kernels/box_iou_kernels';
import { RpnHead } from './rpn_head';
import { generateAnchors } from './anchor_generator';
import { BoxCoder } from './box_coder';
import { Matcher } from './matcher';
import { BalancedPositiveNegativeSampler } from './sampler';
import { nmsArrays } from './nms';
import { smoothL1Loss } from './losses';
import { ImageSize, ImageTargets, Proposals } from './types';
import { clipAndFilter, ioaHost, takeBoxes, topK } from './host_boxes';

export interface RpnConfig {
  anchorSizes: number[];
  aspectRatios: number[];
  anchorStyle: 'torchvision' | 'py-faster-rcnn';
  preNmsTopNTrain: number;
  postNmsTopNTrain: number;
  preNmsTopNTest: number;
  postNmsTopNTest: number;
  nmsThresh: number;
  minSize: number;
  fgIouThresh: number;
  bgIouThresh: number;
  batchSizePerImage: number;
  positiveFraction: number;
  smoothL1Beta: number;
}

export interface RpnOutput {
  proposals: Proposals[];
  losses?: { loss_objectness: tf.Scalar; loss_rpn_box_reg: tf.Scalar };
}

export class RegionProposalNetwork extends Module {
  readonly head: RpnHead;
  private readonly coder = new BoxCoder([1, 1, 1, 1]);
  private readonly anchorCache = new Map<string, Float32Array>();

  constructor(readonly cfg: RpnConfig, inChannels: number, readonly stride: number) {
    super();
    this.head = this.addModule('head', new RpnHead(inChannels, cfg.anchorSizes.length * cfg.aspectRatios.length));
  }

  anchors(paddedSize: [number, number], featureSize: [number, number]): Float32Array {
    const key = `${paddedSize}|${featureSize}`;
    let a = this.anchorCache.get(key);
    if (!a) {
      const t = generateAnchors({
        sizes: this.cfg.anchorSizes,
        aspectRatios: this.cfg.aspectRatios,
        imageSize: paddedSize,
        featureSize,
        style: this.cfg.anchorStyle,
        stride: [this.stride, this.stride],
      });
      a = t.dataSync() as Float32Array;
      t.dispose();
      this.anchorCache.set(key, a);
    }
    return a;
  }

  forward(features: tf.Tensor4D, sizes: ImageSize[], opts: { targets?: ImageTargets[]; rng?: Rng } = {}): RpnOutput {
    const [, fh, fw] = features.shape;
    const paddedSize: [number, number] = [fh * this.stride, fw * this.stride];
    const anchors = this.anchors(paddedSize, [fh, fw]);
    const { objectness, deltas } = this.head.forward(features);
    const training = !!opts.targets;
    const proposals = this.propose(objectness, deltas, anchors, sizes, training);
    if (!opts.targets) {
      tf.dispose([objectness, deltas]);
      return { proposals };
    }
    const losses = this.losses(objectness, deltas, anchors, opts.targets, opts.rng ?? new Rng(0));
    tf.dispose([objectness, deltas]);
    return { proposals, losses };
  }

  private propose(objectness: tf.Tensor2D, deltas: tf.Tensor3D, anchors: Float32Array, sizes: ImageSize[], training: boolean): Proposals[] {
    const preN = training ? this.cfg.preNmsTopNTrain : this.cfg.preNmsTopNTest;
    const postN = training ? this.cfg.postNmsTopNTrain : this.cfg.postNmsTopNTest;
    const NA = anchors.length / 4;
    const obj = objectness.dataSync();
    const del = deltas.dataSync();
    const out: Proposals[] = [];
    for (let i = 0; i < sizes.length; i++) {
      const scores = obj.subarray(i * NA, (i + 1) * NA);
      const idx = topK(scores, Math.min(preN, NA));
      const d = takeBoxes(del.subarray(i * NA * 4, (i + 1) * NA * 4), idx);
      const a = takeBoxes(anchors, idx);
      const boxes = this.coder.decodeArrays(d, a);
      const s = Float32Array.from(idx, (k) => scores[k]);
      const kept = clipAndFilter(boxes, s, sizes[i], this.cfg.minSize);
      const keep = nmsArrays(kept.boxes, kept.scores, this.cfg.nmsThresh).slice(0, postN);
      out.push({ boxes: takeBoxes(kept.boxes, keep), scores: Float32Array.from(keep, (k) => kept.scores[k]) });
    }
    return out;
  }

  /** Anchor labels: 1 foreground, 0 background, -1 ignored; and the matched GT index of each anchor. */
  anchorTargets(anchors: Float32Array, t: ImageTargets): { labels: Int8Array; matched: Int32Array } {
    const NA = anchors.length / 4;
    const M = t.labels.length;
    const labels = new Int8Array(NA);
    const matched = new Int32Array(NA).fill(-1);
    if (M > 0) {
      const iou = new Float32Array(M * NA);
      boxIouInto(t.boxes, M, anchors, NA, iou);
      const m = new Matcher(this.cfg.fgIouThresh, this.cfg.bgIouThresh, true).matchArray(iou, M, NA);
      for (let k = 0; k < NA; k++) {
        matched[k] = m[k];
        labels[k] = m[k] >= 0 ? 1 : m[k] === -1 ? 0 : -1;
      }
    }
    const crowd = t.crowdBoxes;
    if (crowd && crowd.length) {
      const ioa = ioaHost(anchors, crowd);
      for (let k = 0; k < NA; k++) if (labels[k] === 0 && ioa[k] > 0.7) labels[k] = -1;
    }
    return { labels, matched };
  }

  private losses(objectness: tf.Tensor2D, deltas: tf.Tensor3D, anchors: Float32Array, targets: ImageTargets[], rng: Rng) {
    const NA = anchors.length / 4;
    const sampler = new BalancedPositiveNegativeSampler(this.cfg.batchSizePerImage, this.cfg.positiveFraction, rng);
    const sampledIdx: number[] = [];
    const sampledLabels: number[] = [];
    const posIdx: number[] = [];
    const posGt: number[] = [];
    const posAnchor: number[] = [];
    targets.forEach((t, i) => {
      const { labels, matched } = this.anchorTargets(anchors, t);
      const [{ positive, negative }] = sampler.sample([labels]);
      for (let k = 0; k < NA; k++) {
        if (positive[k]) {
          sampledIdx.push(i * NA + k);
          sampledLabels.push(1);
          posIdx.push(i * NA + k);
          posGt.push(...t.boxes.subarray(4 * matched[k], 4 * matched[k] + 4));
          posAnchor.push(...anchors.subarray(4 * k, 4 * k + 4));
        } else if (negative[k]) {
          sampledIdx.push(i * NA + k);
          sampledLabels.push(0);
        }
      }
    });
    const numSampled = Math.max(sampledIdx.length, 1);
    return tf.tidy(() => {
      const logits = tf.gather(tf.reshape(objectness, [-1]), tf.tensor1d(sampledIdx, 'int32'));
      const lossObj = tf.losses.sigmoidCrossEntropy(tf.tensor1d(sampledLabels), logits) as tf.Scalar;
      let lossBox: tf.Scalar = tf.scalar(0);
      if (posIdx.length) {
        const pred = tf.gather(tf.reshape(deltas, [-1, 4]), tf.tensor1d(posIdx, 'int32'));
        const target = this.coder.encode(tf.tensor2d(posGt, [posIdx.length, 4]), tf.tensor2d(posAnchor, [posIdx.length, 4]));
        lossBox = tf.div(smoothL1Loss(pred, target, this.cfg.smoothL1Beta, 'sum'), numSampled) as tf.Scalar;
      }
      return { loss_objectness: lossObj, loss_rpn_box_reg: lossBox };
    });
  }
}
