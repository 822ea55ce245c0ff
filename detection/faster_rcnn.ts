/**
 * Faster R-CNN in the paper's C4 layout: ResNet conv1…conv4_x as the shared stride-16 trunk (`backbone.*`,
 * torchvision names), the RPN on it (`rpn.*`), and conv5_x per RoI in the box head (`roi_heads.res5.*`).
 * Batch norm is frozen everywhere by default (the paper's choice) and the stem and res2 are frozen
 * (`freezeAt` 2); training from scratch uses trainable batch norm instead.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../engine/nn/module';
import { Rng } from '../engine/rng';
import { readWeightsFile } from '../engine/weights_file';
import { toFloat32 } from '../engine/host_tensor';
import { fromTorchLayout, PlainTensor } from '../engine/torch_layout';
import { ResNet } from '../backbone/resnet';
import { Conv2d } from '../engine/nn/conv2d';
import { BatchNorm2d } from '../engine/nn/batch_norm2d';
import { ResLayer } from '../backbone/blocks';
import { RegionProposalNetwork, RpnConfig } from './rpn';
import { C4RoiHeads, RoiHeadsConfig } from './roi_heads_c4';
import { Detections, ImageSize, ImageTargets } from './types';

export interface DetectorModelConfig {
  arch: string;
  widthMultiplier: number;
  /** 0: train everything; 1: freeze the stem; 2: stem and res2 (layer1); ... */
  freezeAt: number;
  /** 'frozen' (running statistics, the paper's choice with pretrained weights) or 'train' (from scratch) */
  batchNorm: 'frozen' | 'train';
  strideIn1x1: boolean;
  rpn: RpnConfig;
  roiHeads: RoiHeadsConfig;
}

/** conv1…layer3 of a ResNet with torchvision's names: the shared stride-16 features. */
export class ResNetTrunk extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: ResLayer[];
  constructor(private readonly net: ResNet) {
    super();
    this.conv1 = this.addModule('conv1', net.conv1);
    this.bn1 = this.addModule('bn1', net.bn1);
    this.stages = net.stages.slice(0, 3).map((s, i) => this.addModule(`layer${i + 1}`, s));
  }
  get outChannels(): number {
    return this.stages[2].outChannels;
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.stages.reduce((h, s) => s.forward(h), this.net.stem(x)));
  }
}

export interface DetectorLosses {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
}

export class FasterRcnnC4 extends Module {
  readonly backbone: ResNetTrunk;
  readonly rpn: RegionProposalNetwork;
  readonly roiHeads: C4RoiHeads;
  readonly stride = 16;

  constructor(readonly cfg: DetectorModelConfig, readonly numClasses: number) {
    super();
    const net = new ResNet(cfg.arch, { numClasses: 1, widthMultiplier: cfg.widthMultiplier, strideIn1x1: cfg.strideIn1x1 });
    if (net.spec.style !== 'imagenet') throw new Error(`Faster R-CNN C4 needs an ImageNet-style ResNet (resnet18…152), got ${cfg.arch}`);
    net.fc.dispose();
    this.backbone = this.addModule('backbone', new ResNetTrunk(net));
    this.rpn = this.addModule('rpn', new RegionProposalNetwork(cfg.rpn, this.backbone.outChannels, this.stride));
    this.roiHeads = this.addModule('roi_heads', new C4RoiHeads(cfg.roiHeads, net.stages[3], numClasses, this.stride));
    this.applyFreezing();
  }

  /** Frozen batch norm (if configured) everywhere, and the stem + the first freezeAt-1 stages frozen. */
  applyFreezing(): void {
    if (this.cfg.batchNorm === 'frozen') {
      for (const [, m] of this.namedModules()) if (m instanceof BatchNorm2d) m.freeze();
    }
    const b = this.backbone;
    if (this.cfg.freezeAt >= 1) {
      b.conv1.freeze();
      b.bn1.freeze();
    }
    for (let i = 0; i < Math.min(this.cfg.freezeAt - 1, 3); i++) b.stages[i].freeze();
  }

  /** Training losses for a padded batch (synchronous, to run inside a gradient tape). */
  losses(images: tf.Tensor4D, sizes: ImageSize[], targets: ImageTargets[], rng: Rng): DetectorLosses {
    const features = this.backbone.forward(images);
    const { proposals, losses: rpnLosses } = this.rpn.forward(features, sizes, { targets, rng });
    const headLosses = this.roiHeads.losses(features, proposals, targets, rng);
    features.dispose();
    const parts = { ...rpnLosses!, ...headLosses };
    const total = tf.addN(Object.values(parts)) as tf.Scalar;
    return { total, parts };
  }

  /** Detections per image in network-input pixels (eval mode). */
  detect(images: tf.Tensor4D, sizes: ImageSize[]): Detections[] {
    const was = this.training;
    this.eval();
    try {
      const features = this.backbone.forward(images);
      const { proposals } = this.rpn.forward(features, sizes);
      const dets = this.roiHeads.detect(features, proposals, sizes);
      features.dispose();
      return dets;
    } finally {
      this.train(was);
    }
  }

  /**
   * Initialises the backbone from ImageNet weights (torchvision .pth/.safetensors or a resdet classifier
   * checkpoint): conv1…layer3 into `backbone.*`, layer4 into `roi_heads.res5.*`; the classifier is dropped.
   */
  async loadBackboneWeights(path: string): Promise<void> {
    const values = new Map<string, PlainTensor>();
    for (const [name, t] of await readWeightsFile(path)) {
      if (name.endsWith('num_batches_tracked') || name.startsWith('fc.')) continue;
      const mapped = name.startsWith('layer4.') ? `roi_heads.res5.${name.slice('layer4.'.length)}` : `backbone.${name}`;
      values.set(mapped, fromTorchLayout({ shape: t.shape, data: toFloat32(t) }));
    }
    const isBackbone = (k: string) => k.startsWith('backbone.') || k.startsWith('roi_heads.res5.');
    this.loadStateDict(values, { source: path, ignore: (k) => !isBackbone(k) || k.endsWith('num_batches_tracked') });
  }
}
