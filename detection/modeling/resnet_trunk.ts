/**
 * The part of a ResNet a detector keeps as its full-image trunk: the stem (conv1, bn1) and the first
 * `numStages` stages (layer1…), with torchvision's names and without the classifier. The C4 layout keeps
 * three stages (stride 16); the FPN layout keeps all four and reads every stage output (C2…C5).
 * `freezeTrunk` applies the detectors' freezing rule: frozen batch norm everywhere below `root` (when
 * configured) and the stem plus the first freezeAt-1 stages frozen.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../engine/nn/module';
import { Conv2d } from '../../engine/nn/conv2d';
import { BatchNorm2d } from '../../engine/nn/batch_norm2d';
import { ResNet } from '../../backbone/resnet';
import { ResLayer } from '../../backbone/blocks';

export class ResNetTrunk extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: ResLayer[];
  constructor(private readonly net: ResNet, numStages = 3) {
    super();
    if (net.spec.style !== 'imagenet') throw new Error(`ResNetTrunk: detectors need an ImageNet-style ResNet (resnet18…152), got ${net.spec.name}`);
    this.conv1 = this.addModule('conv1', net.conv1);
    this.bn1 = this.addModule('bn1', net.bn1);
    this.stages = net.stages.slice(0, numStages).map((s, i) => this.addModule(`layer${i + 1}`, s));
  }
  get outChannels(): number {
    return this.stages[this.stages.length - 1].outChannels;
  }
  /** Output channels of each kept stage (C2, C3, …). */
  get stageChannels(): number[] {
    return this.stages.map((s) => s.outChannels);
  }
  /** The last kept stage's output. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.stages.reduce((h, s) => s.forward(h), this.net.stem(x)));
  }
  /** Every kept stage's output, C2 first (strides 4, 8, 16, 32). */
  forwardStages(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const out: tf.Tensor4D[] = [];
      let h = this.net.stem(x);
      for (const s of this.stages) out.push((h = s.forward(h)));
      return out;
    });
  }
}

/** Frozen batch norm below `root` (if configured), and the trunk's stem + first freezeAt-1 stages frozen. */
export function freezeTrunk(root: Module, trunk: ResNetTrunk, cfg: { freezeAt: number; batchNorm: 'frozen' | 'train' }): void {
  if (cfg.batchNorm === 'frozen') {
    for (const [, m] of root.namedModules()) if (m instanceof BatchNorm2d) m.freeze();
  }
  if (cfg.freezeAt >= 1) {
    trunk.conv1.freeze();
    trunk.bn1.freeze();
  }
  for (let i = 0; i < Math.min(cfg.freezeAt - 1, trunk.stages.length); i++) trunk.stages[i].freeze();
}
