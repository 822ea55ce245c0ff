/**
 * Residual blocks of the paper with torchvision's parameter names:
 * - BasicBlock: two 3x3 convolutions (ResNet-18/34 and the CIFAR nets);
 * - Bottleneck: 1x1 reduce, 3x3, 1x1 expand (x4), the stride on the 3x3 (torchvision, "v1.5") or on the
 *   first 1x1 (`strideIn1x1`, the paper's and MSRA's models).
 * Shortcuts: option A adds a zero-padded, subsampled identity; B projects (1x1 conv + BN, named
 * `downsample.0/1`) only when the shape changes; C projects in every block. A `plain` block has no shortcut.
 * Each convolution + batch norm (+ ReLU) runs through convBn (folded into one convolution in eval mode) and
 * the block ends with convBnAddRelu: the last convolution, the shortcut's add and the ReLU (one kernel in eval
 * mode on native; conv, then one add + ReLU kernel elsewhere).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../engine/nn/module';
import { Conv2d } from '../engine/nn/conv2d';
import { BatchNorm2d } from '../engine/nn/batch_norm2d';
import { convBn, convBnAddRelu } from '../engine/nn/conv_bn';

export type ShortcutOption = 'A' | 'B' | 'C';

export interface BlockOptions {
  stride: number;
  shortcut: ShortcutOption;
  plain: boolean;
  strideIn1x1?: boolean;
}

/** A 1x1 strided projection followed by batch norm: torchvision's `downsample` Sequential. */
export class Projection extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv = this.addModule('0', new Conv2d(cin, cout, { kernelSize: 1, stride, padding: 0 }));
    this.bn = this.addModule('1', new BatchNorm2d(cout));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return convBn(this.conv, this.bn, x, false);
  }
}

/**
 * Option A: x[:, ::s, ::s, :] with the new channels zero-padded on both sides (as the common CIFAR
 * implementations do), computed as a 1x1 strided convolution with a fixed 0/1 filter — exact, and with a
 * gradient (tfjs has none for strided slices). No parameters.
 */
export class ZeroPadShortcut extends Module {
  private readonly filter: tf.Tensor4D;
  /** zero channels put before the input's channels (the rest, cout − cin − before, go after) */
  readonly before: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly stride: number) {
    super();
    const [cin, cout] = [inChannels, outChannels];
    const w = new Float32Array(cin * cout);
    const before = Math.floor((cout - cin) / 2);
    this.before = before;
    for (let i = 0; i < cin; i++) w[i * cout + i + before] = 1;
    this.filter = tf.keep(tf.tensor4d(w, [1, 1, cin, cout]));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(x, this.filter, this.stride, 0);
  }
  dispose(): void {
    this.filter.dispose();
    super.dispose();
  }
}

export type Shortcut = Projection | ZeroPadShortcut | null;

function makeShortcut(cin: number, cout: number, o: BlockOptions): Shortcut {
  const changes = o.stride !== 1 || cin !== cout;
  if (o.plain) return null;
  if (o.shortcut === 'C' || (o.shortcut === 'B' && changes)) return new Projection(cin, cout, o.stride);
  if (o.shortcut === 'A' && changes) return new ZeroPadShortcut(cin, cout, o.stride);
  return null;
}

export abstract class ResidualBlock extends Module {
  protected downsample: Shortcut = null;
  constructor(readonly plain: boolean) {
    super();
  }
  /** The identity path's module: a projection, option A's zero padding, or null (identity, or none when plain). */
  get shortcut(): Shortcut {
    return this.downsample;
  }
  protected setShortcut(cin: number, cout: number, o: BlockOptions): void {
    const s = makeShortcut(cin, cout, o);
    if (s instanceof Projection) this.addModule('downsample', s);
    this.downsample = s;
  }
  /**
   * The block's output from its input x and its last unit's input h: relu(bn(conv(h)) + shortcut(x)). The sum may
   * go into the shortcut's storage: always a projection's (made here), x itself when the caller gives it up.
   */
  protected finish(x: tf.Tensor4D, conv: Conv2d, bn: BatchNorm2d, h: tf.Tensor4D, consumeInput: boolean): tf.Tensor4D {
    if (this.plain) return convBn(conv, bn, h, true);
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return convBnAddRelu(conv, bn, h, identity, this.downsample !== null || consumeInput);
  }
  /**
   * consumeInput: the caller will not read x again (ResLayer, for the output of its previous block), so the
   * block may write its output into x's storage in eval mode.
   */
  abstract forward(x: tf.Tensor4D, consumeInput?: boolean): tf.Tensor4D;
  /** The option-A filter is no parameter: freed here, whichever module's dispose runs (block or network). */
  protected onDispose(): void {
    if (this.downsample instanceof ZeroPadShortcut) this.downsample.dispose();
  }
}

export class BasicBlock extends ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  constructor(cin: number, planes: number, o: BlockOptions) {
    super(o.plain);
    this.conv1 = this.addModule('conv1', new Conv2d(cin, planes, { kernelSize: 3, stride: o.stride }));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', new Conv2d(planes, planes, { kernelSize: 3 }));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.setShortcut(cin, planes, o);
  }
  forward(x: tf.Tensor4D, consumeInput = false): tf.Tensor4D {
    return tf.tidy(() => {
      const h = convBn(this.conv1, this.bn1, x, true);
      return this.finish(x, this.conv2, this.bn2, h, consumeInput);
    });
  }
}

export class Bottleneck extends ResidualBlock {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  constructor(cin: number, planes: number, o: BlockOptions) {
    super(o.plain);
    const s1 = o.strideIn1x1 ? o.stride : 1;
    const s3 = o.strideIn1x1 ? 1 : o.stride;
    this.conv1 = this.addModule('conv1', new Conv2d(cin, planes, { kernelSize: 1, stride: s1, padding: 0 }));
    this.bn1 = this.addModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.addModule('conv2', new Conv2d(planes, planes, { kernelSize: 3, stride: s3 }));
    this.bn2 = this.addModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.addModule('conv3', new Conv2d(planes, planes * 4, { kernelSize: 1, padding: 0 }));
    this.bn3 = this.addModule('bn3', new BatchNorm2d(planes * 4));
    this.setShortcut(cin, planes * 4, o);
  }
  forward(x: tf.Tensor4D, consumeInput = false): tf.Tensor4D {
    return tf.tidy(() => {
      const h1 = convBn(this.conv1, this.bn1, x, true);
      const h2 = convBn(this.conv2, this.bn2, h1, true);
      return this.finish(x, this.conv3, this.bn3, h2, consumeInput);
    });
  }
}

/** A stage (torchvision's `layerN`): blocks named 0, 1, 2, ... */
export class ResLayer extends Module {
  readonly blocks: ResidualBlock[] = [];
  constructor(
    kind: 'basic' | 'bottleneck',
    cin: number,
    planes: number,
    count: number,
    stride: number,
    o: Omit<BlockOptions, 'stride'>,
  ) {
    super();
    const Block = kind === 'basic' ? BasicBlock : Bottleneck;
    const cout = planes * Block.expansion;
    for (let i = 0; i < count; i++) {
      const b = new Block(i === 0 ? cin : cout, planes, { ...o, stride: i === 0 ? stride : 1 });
      this.blocks.push(this.addModule(String(i), b));
    }
    this.outChannels = cout;
  }
  readonly outChannels: number;
  forward(x: tf.Tensor4D): tf.Tensor4D {
    // Each block after the first takes the previous block's output, which nothing else holds: the block may write
    // into it (in eval mode on native) and it is freed at once (its storage lives on in the output if it did).
    return tf.tidy(() => {
      let h = x;
      this.blocks.forEach((b, i) => {
        const next = b.forward(h, i > 0);
        if (i > 0) h.dispose();
        h = next;
      });
      return h;
    });
  }
}
