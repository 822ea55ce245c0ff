/**
 * The ResNet (and plain) network: stem, stages (torchvision's layer1…layer4, or the three CIFAR stages),
 * global average pooling and a classifier `fc`. Stage outputs are exposed for detection (C2…C5).
 * Input: NHWC float32, already normalised.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../engine/nn/module';
import { Conv2d } from '../engine/nn/conv2d';
import { BatchNorm2d } from '../engine/nn/batch_norm2d';
import { Linear } from '../engine/nn/linear';
import { convBn } from '../engine/nn/conv_bn';
import { ResLayer, ShortcutOption } from './blocks';
import { ArchSpec, archSpec } from './archs';
import { loadBackboneWeights } from './load_weights';

export interface ResNetOptions {
  numClasses?: number;
  shortcut?: ShortcutOption;
  strideIn1x1?: boolean;
  widthMultiplier?: number;
  inputChannels?: number;
}

export class ResNet extends Module {
  readonly spec: ArchSpec;
  readonly options: Required<ResNetOptions>;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: ResLayer[] = [];
  readonly fc: Linear;
  /** stride of each stage output relative to the input */
  readonly stageStrides: number[];

  constructor(arch: string, opts: ResNetOptions = {}) {
    super();
    const spec = archSpec(arch);
    this.spec = spec;
    const o: Required<ResNetOptions> = {
      numClasses: opts.numClasses ?? (spec.style === 'cifar' ? 10 : 1000),
      shortcut: opts.shortcut ?? spec.defaultShortcut,
      strideIn1x1: opts.strideIn1x1 ?? false,
      widthMultiplier: opts.widthMultiplier ?? 1,
      inputChannels: opts.inputChannels ?? 3,
    };
    this.options = o;
    const w = (c: number) => Math.max(1, Math.round(c * o.widthMultiplier));
    const imagenet = spec.style === 'imagenet';
    const stem = w(spec.stem);
    this.conv1 = this.addModule('conv1', new Conv2d(o.inputChannels, stem, imagenet ? { kernelSize: 7, stride: 2, padding: 3 } : { kernelSize: 3 }));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(stem));
    let cin = stem;
    let stride = imagenet ? 4 : 1;
    this.stageStrides = [];
    spec.layers.forEach((count, i) => {
      const s = i === 0 ? 1 : 2;
      stride *= s;
      const layer = new ResLayer(spec.block, cin, w(spec.planes[i]), count, s, {
        shortcut: o.shortcut,
        plain: spec.plain,
        strideIn1x1: o.strideIn1x1,
      });
      this.stages.push(this.addModule(`layer${i + 1}`, layer));
      this.stageStrides.push(stride);
      cin = layer.outChannels;
    });
    this.fc = this.addModule('fc', new Linear(cin, o.numClasses));
  }

  /** Number of channels of each stage output. */
  get stageChannels(): number[] {
    return this.stages.map((s) => s.outChannels);
  }

  stem(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = convBn(this.conv1, this.bn1, x, true);
      return this.spec.style === 'imagenet' ? tf.maxPool(h, 3, 2, 1) : h;
    });
  }

  /**
   * Stage outputs, keyed c2…c5 for ImageNet-style nets (strides 4…32) and c1…c3 for CIFAR nets,
   * up to and including stage index `upTo` (0-based; default all).
   */
  forwardStages(x: tf.Tensor4D, upTo = this.stages.length - 1): Record<string, tf.Tensor4D> {
    const out: Record<string, tf.Tensor4D> = {};
    const first = this.spec.style === 'imagenet' ? 2 : 1;
    tf.tidy(() => {
      let h = this.stem(x);
      for (let i = 0; i <= upTo; i++) {
        h = this.stages[i].forward(h);
        out[`c${first + i}`] = tf.keep(h);
      }
    });
    return out;
  }

  /** Logits in the module's current mode (training uses batch statistics). */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = this.stem(x);
      for (const s of this.stages) h = s.forward(h);
      return this.fc.forward(tf.mean(h, [1, 2]) as tf.Tensor2D);
    });
  }

  /** Logits in eval mode (running statistics), whatever the current mode. */
  classify(x: tf.Tensor4D): tf.Tensor2D {
    const was = this.training;
    this.eval();
    try {
      return this.forward(x);
    } finally {
      this.train(was);
    }
  }

  /** Loads torchvision (`.pth`, `.safetensors`) or resdet weights; see load_weights.ts. */
  async loadWeights(path: string): Promise<void> {
    await loadBackboneWeights(this, path);
  }
}

export function buildResNet(arch: string, opts: ResNetOptions = {}): ResNet {
  return new ResNet(arch, opts);
}
