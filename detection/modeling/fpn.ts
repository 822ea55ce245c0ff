/**
 * The feature pyramid (Lin et al., FPN; torchvision's FeaturePyramidNetwork with LastLevelMaxPool) on the
 * ResNet stage outputs C2…C5: a 1x1 lateral convolution per stage (`inner_blocks.N`), a top-down pathway
 * that upsamples the coarser sum by nearest neighbour to the lateral's own size (2x, or 2x-1 when an input side
 * was odd) and adds it, a 3x3 output convolution per level (`layer_blocks.N`), and P6 as P5 subsampled by a
 * stride-2 max pool of kernel 1. Convolution weights kaiming_uniform(a=1), biases 0.
 * `norm: null` (fasterrcnn_resnet50_fpn): plain convolutions with biases, named `inner_blocks.N.weight` (the names
 * of torchvision's published v1 file and of resdet's FPN checkpoints). `norm: 'bn'` (fasterrcnn_resnet50_fpn_v2):
 * each block is torchvision's Conv2dNormActivation without activation — a convolution without bias (`N.0.weight`)
 * and BatchNorm2d (`N.1.*`).
 * `FpnBackbone` is the ResNet trunk (`backbone.body.*`, torchvision names) with the pyramid on top
 * (`backbone.fpn.*`): P2…P6, strides 4…64, all with the same number of channels.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../engine/nn/module';
import { Conv2d } from '../../engine/nn/conv2d';
import { ModuleList } from '../../engine/nn/module_list';
import { Conv2dNormActivation } from '../../engine/nn/conv_norm_activation';
import { uniform } from '../../engine/nn/init';
import { ResNet } from '../../backbone/resnet';
import { ResNetTrunk } from './resnet_trunk';

/** Strides of P2…P6. */
export const FPN_STRIDES = [4, 8, 16, 32, 64];

/** Batch norm in the pyramid's blocks (v2) or none (v1). */
export type FpnNorm = 'bn' | null;

/** A pyramid block: one convolution (with bias), or conv + BN; no activation. */
type FpnBlock = Conv2d | Conv2dNormActivation;

/** Weights as torchvision's FPN initialises every convolution: kaiming_uniform_(a=1), i.e. U(±sqrt(3 / fan_in)). */
function kaimingUniformA1(conv: Conv2d): void {
  const [kh, kw, cin, cout] = conv.weight.variable.shape;
  const init = uniform([kh, kw, cin, cout], Math.sqrt(3 / (cin * kh * kw)));
  conv.weight.variable.assign(init);
  init.dispose();
}

function fpnBlock(cin: number, cout: number, kernelSize: number, norm: FpnNorm): FpnBlock {
  const block = norm === 'bn' ? new Conv2dNormActivation(cin, cout, { kernelSize, norm, relu: false }) : new Conv2d(cin, cout, { kernelSize, bias: true });
  kaimingUniformA1(block instanceof Conv2d ? block : block.conv);
  return block;
}

export class FeaturePyramidNetwork extends Module {
  readonly innerBlocks: FpnBlock[];
  readonly layerBlocks: FpnBlock[];

  constructor(readonly inChannels: number[], readonly outChannels: number, readonly norm: FpnNorm = null) {
    super();
    if (!inChannels.length) throw new Error('FeaturePyramidNetwork: no input levels');
    this.innerBlocks = this.addModule('inner_blocks', new ModuleList(inChannels.map((c) => fpnBlock(c, outChannels, 1, norm)))).items;
    this.layerBlocks = this.addModule('layer_blocks', new ModuleList(inChannels.map(() => fpnBlock(outChannels, outChannels, 3, norm)))).items;
  }

  /** P-levels for the stage outputs (finest first), then the max-pooled extra level: one more than given. */
  forward(stages: tf.Tensor4D[]): tf.Tensor4D[] {
    if (stages.length !== this.innerBlocks.length) throw new Error(`FeaturePyramidNetwork: ${stages.length} inputs for ${this.innerBlocks.length} levels`);
    return tf.tidy(() => {
      const n = stages.length;
      let last = this.innerBlocks[n - 1].forward(stages[n - 1]);
      const out: tf.Tensor4D[] = [this.layerBlocks[n - 1].forward(last)];
      for (let i = n - 2; i >= 0; i--) {
        const lateral = this.innerBlocks[i].forward(stages[i]);
        const [, h, w] = lateral.shape;
        last = tf.add(lateral, tf.image.resizeNearestNeighbor(last, [h, w], false, false)) as tf.Tensor4D;
        out.unshift(this.layerBlocks[i].forward(last));
      }
      out.push(tf.maxPool(out[n - 1], 1, 2, 'valid'));
      return out;
    });
  }
}

export class FpnBackbone extends Module {
  readonly body: ResNetTrunk;
  readonly fpn: FeaturePyramidNetwork;
  readonly strides = FPN_STRIDES;

  constructor(net: ResNet, outChannels: number, norm: FpnNorm = null) {
    super();
    this.body = this.addModule('body', new ResNetTrunk(net, 4));
    this.fpn = this.addModule('fpn', new FeaturePyramidNetwork(this.body.stageChannels, outChannels, norm));
  }

  get outChannels(): number {
    return this.fpn.outChannels;
  }

  /** P2…P6 (NHWC), finest first. */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => this.fpn.forward(this.body.forwardStages(x)));
  }
}
