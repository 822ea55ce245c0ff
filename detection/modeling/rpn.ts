/**
 * The region proposal network over one or more feature maps (levels): one shared head, anchors per level
 * (the C4 layout has one level with every anchor size; the FPN layout one size per level P2…P6), proposals
 * (per level: the top-k anchors by objectness; then decode, clip, remove small, NMS within each level, and the
 * top-k of all levels by objectness, as torchvision's filter_proposals) and, in training, its targets and
 * losses over the anchors of all levels together (IoU matcher 0.7 / 0.3 with the best anchor of every GT
 * kept, 256 anchors per image with at most half positive, binary cross-entropy and smooth-L1 over the
 * sampled anchors). Proposals carry no gradient (approximate joint training). Everything here is
 * synchronous so that it can run inside a gradient tape.
 * Anchors sit on each level's nominal stride (16 for C4; 4…64 for P2…P6, as Detectron2). torchvision infers
 * the stride as padded size // feature size, which is the same except where the padded size is not a multiple
 * of the level's stride (P6 of an 800-pixel side: 800 // 13 = 61 instead of 64).
 */
import * as tf from '@tensorflow/tfjs';
import { readView } from '../../engine/host_read';
import { untaped } from '../../engine/grads/untaped';
import { Module } from '../../engine/nn/module';
import { Rng } from '../../engine/rng';
import { boxIouInto } from '../../engine/kernels/box_iou_kernels';
import { RpnHead } from './rpn_head';
import { generateAnchors } from './anchor_generator';
import { BoxCoder } from './box_coder';
import { Matcher } from './matcher';
import { BalancedPositiveNegativeSampler, rngFor, SamplingRng } from './sampler';
import { smoothL1Loss } from '../ops/losses';
import { ImageSize, ImageTargets, Proposals } from '../structures';
import { ioaHost } from '../ops/host_boxes';
import { selectProposals } from './rpn_proposals';

/** the largest GT x anchor IoU matrix the RPN keeps for reuse (elements: 16 MB) */
const IOU_SCRATCH_MAX = 4 * 1024 * 1024;

export interface RpnConfig {
  anchorSizes: number[];
  aspectRatios: number[];
  anchorStyle: 'torchvision' | 'py-faster-rcnn';
  /**
   * 'nominal': anchors on each level's stride (4…64); 'torchvision': on padded input size // feature size per
   * axis, as torchvision's AnchorGenerator (P6 of an 800-pixel side: 61)
   */
  anchorStrides?: 'nominal' | 'torchvision';
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
  /** 3x3 convolutions (each with ReLU) in the head before its sibling 1x1 layers: 1 (v1, C4) or 2 (torchvision's v2) */
  convDepth: number;
}

export interface RpnOutput {
  proposals: Proposals[];
  losses?: { loss_objectness: tf.Scalar; loss_rpn_box_reg: tf.Scalar };
}

/** A feature map the RPN runs on: its stride and the sizes of the anchors centred on its cells. */
export interface RpnLevel {
  stride: number;
  sizes: number[];
}

/** Concatenated anchors kept per feature-map geometry (padded sizes repeat from batch to batch). */
const ANCHOR_CACHE_SIZE = 32;

export class RegionProposalNetwork extends Module {
  readonly head: RpnHead;
  private readonly coder = new BoxCoder([1, 1, 1, 1]);
  private readonly anchorCache = new Map<string, { anchors: Float32Array; perLevel: number[] }>();
  /**
   * the GT x anchor IoU matrix of anchorTargets, reused (a demo image's is ~1 MB, allocated 4 times a step); a
   * larger one (R50-FPN at 800x1333 with many boxes: ~100 MB) is allocated for its call only, not kept
   */
  private iouScratch = new Float32Array(0);

  constructor(readonly cfg: RpnConfig, inChannels: number, readonly levels: RpnLevel[]) {
    super();
    if (!levels.length || levels.some((l) => l.sizes.length !== levels[0].sizes.length)) {
      throw new Error(`RegionProposalNetwork: every level needs the same number of anchor sizes (one head is shared), got [${levels.map((l) => l.sizes.length)}]`);
    }
    this.head = this.addModule('head', new RpnHead(inChannels, levels[0].sizes.length * cfg.aspectRatios.length, cfg.convDepth ?? 1));
  }

  /** Anchors of every level for feature maps of these sizes, concatenated level by level. */
  anchors(featureSizes: [number, number][]): { anchors: Float32Array; perLevel: number[] } {
    const key = featureSizes.join('|');
    let a = this.anchorCache.get(key);
    if (!a) {
      // the padded input size, from the finest level (padding is a multiple of every level's stride but P6's)
      const input = [featureSizes[0][0] * this.levels[0].stride, featureSizes[0][1] * this.levels[0].stride];
      const parts = featureSizes.map(([fh, fw], l) => {
        const { stride, sizes } = this.levels[l];
        const strides: [number, number] = this.cfg.anchorStrides === 'torchvision' ? [Math.floor(input[0] / fh), Math.floor(input[1] / fw)] : [stride, stride];
        const t = generateAnchors({
          sizes,
          aspectRatios: this.cfg.aspectRatios,
          imageSize: [fh * strides[0], fw * strides[1]],
          featureSize: [fh, fw],
          style: this.cfg.anchorStyle,
          stride: strides,
        });
        const data = t.dataSync() as Float32Array;
        t.dispose();
        return data;
      });
      const anchors = parts.length === 1 ? parts[0] : new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      if (parts.length > 1) parts.reduce((at, p) => (anchors.set(p, at), at + p.length), 0);
      a = { anchors, perLevel: parts.map((p) => p.length / 4) };
      if (this.anchorCache.size >= ANCHOR_CACHE_SIZE) this.anchorCache.delete(this.anchorCache.keys().next().value!);
      this.anchorCache.set(key, a);
    }
    return a;
  }

  /** Proposals for a batch (and, with targets, the RPN losses); `features`: one map per level. */
  forward(features: tf.Tensor4D | tf.Tensor4D[], sizes: ImageSize[], opts: { targets?: ImageTargets[]; rng?: SamplingRng } = {}): RpnOutput {
    const maps = Array.isArray(features) ? features : [features];
    if (maps.length !== this.levels.length) throw new Error(`RegionProposalNetwork: ${maps.length} feature maps for ${this.levels.length} levels`);
    const { anchors, perLevel } = this.anchors(maps.map((f) => [f.shape[1], f.shape[2]]));
    const heads = maps.map((f) => this.head.forward(f));
    let { objectness, deltas } = heads[0];
    if (heads.length > 1) {
      objectness = tf.concat(heads.map((h) => h.objectness), 1);
      deltas = tf.concat(heads.map((h) => h.deltas), 1);
      tf.dispose(heads.flatMap((h) => [h.objectness, h.deltas]));
    }
    const training = !!opts.targets;
    // views (no copy, the pool keeps the arrays): selectProposals keeps nothing of them
    const proposals = selectProposals(readView(objectness), readView(deltas), anchors, perLevel, sizes, this.coder, {
      preNmsTopN: training ? this.cfg.preNmsTopNTrain : this.cfg.preNmsTopNTest,
      postNmsTopN: training ? this.cfg.postNmsTopNTrain : this.cfg.postNmsTopNTest,
      nmsThresh: this.cfg.nmsThresh,
      minSize: this.cfg.minSize,
    });
    if (!opts.targets) {
      tf.dispose([objectness, deltas]);
      return { proposals };
    }
    const losses = this.losses(objectness, deltas, anchors, opts.targets, opts.rng ?? new Rng(0));
    tf.dispose([objectness, deltas]);
    return { proposals, losses };
  }

  /** Anchor labels: 1 foreground, 0 background, -1 ignored; and the matched GT index of each anchor. */
  anchorTargets(anchors: Float32Array, t: ImageTargets): { labels: Int8Array; matched: Int32Array } {
    const NA = anchors.length / 4;
    const M = t.labels.length;
    const labels = new Int8Array(NA);
    const matched = new Int32Array(NA).fill(-1);
    if (M > 0) {
      const size = M * NA;
      if (size <= IOU_SCRATCH_MAX && this.iouScratch.length < size) this.iouScratch = new Float32Array(size);
      const iou = size <= IOU_SCRATCH_MAX ? this.iouScratch.subarray(0, size) : new Float32Array(size);
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

  private losses(objectness: tf.Tensor2D, deltas: tf.Tensor3D, anchors: Float32Array, targets: ImageTargets[], rng: SamplingRng) {
    const NA = anchors.length / 4;
    const sampler = (i: number) => new BalancedPositiveNegativeSampler(this.cfg.batchSizePerImage, this.cfg.positiveFraction, rngFor(rng, i));
    const sampledIdx: number[] = [];
    const sampledLabels: number[] = [];
    const posIdx: number[] = [];
    const posGt: number[] = [];
    const posAnchor: number[] = [];
    targets.forEach((t, i) => {
      const { labels, matched } = this.anchorTargets(anchors, t);
      const [{ positive, negative }] = sampler(i).sample([labels]);
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
        // regression targets: constants to the loss, off the tape
        const target = untaped(() => this.coder.encode(tf.tensor2d(posGt, [posIdx.length, 4]), tf.tensor2d(posAnchor, [posIdx.length, 4])));
        lossBox = tf.div(smoothL1Loss(pred, target, this.cfg.smoothL1Beta, 'sum'), numSampled) as tf.Scalar;
      }
      return { loss_objectness: lossObj, loss_rpn_box_reg: lossBox };
    });
  }
}
