/**
 * Faster R-CNN with a feature pyramid (torchvision's fasterrcnn_resnet50_fpn): the ResNet's four stages
 * (`backbone.body.*`) with the pyramid on top (`backbone.fpn.*`, P2…P6), the RPN with one shared head over the
 * five levels and one anchor size per level (`rpn.*`; sizes 32…512 in the recipe), and the box head pooling
 * each RoI from its level of P2…P5 through its box head (`roi_heads.*`). The same class builds torchvision's
 * fasterrcnn_resnet50_fpn_v2 through three config keys: `fpn.norm: bn` (conv + BatchNorm2d blocks in the
 * pyramid), `rpn.convDepth: 2` and `roiHeads.boxHead: convfc` (four 3x3 conv + BN + ReLU, one FC).
 * Freezing follows the C4 layout's rule for the ResNet body: `batchNorm: frozen` freezes its batch norm
 * (torchvision's FrozenBatchNorm2d), stem + the first freezeAt-1 stages are frozen.
 * Batch norm in the pyramid and the box head (v2) is not touched by `batchNorm: frozen`: it trains with batch
 * statistics and updates its running statistics, as torchvision's BatchNorm2d there does in model.train() when
 * v2 is fine-tuned. Those layers start from the detector's own statistics (not ImageNet's), are re-learnt
 * with the new data, and see many values per channel even with one image per batch (every pixel of a pyramid
 * level; 7x7 cells of 512 RoIs per image in the box head), so batch statistics are sound there; freezing them
 * as well would also fix their affine terms, the only biases those convolutions have.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../run/config';
import { ResNet } from '../../backbone/resnet';
import { archSpec } from '../../backbone/archs';
import { FpnBackbone, FPN_STRIDES } from './fpn';
import { RegionProposalNetwork } from './rpn';
import { FpnRoiHeads } from './roi_heads_fpn';
import { freezeTrunk } from './resnet_trunk';
import { loadImagenetBackbone } from './backbone_weights';
import { TwoStageDetector } from './two_stage_detector';
import type { DetectorModel, DetectorModelConfig } from './detector_model';

export class FasterRcnnFpn extends TwoStageDetector<tf.Tensor4D[]> implements DetectorModel {
  readonly backbone: FpnBackbone;
  readonly rpn: RegionProposalNetwork;
  readonly roiHeads: FpnRoiHeads;
  readonly classSpecificPrefixes = ['roi_heads.box_predictor'];
  readonly headPrefixes = ['backbone.fpn', 'rpn', 'roi_heads.box_head', 'roi_heads.box_predictor'];

  constructor(readonly cfg: DetectorModelConfig, readonly numClasses: number) {
    super();
    const strides = FPN_STRIDES;
    if (archSpec(cfg.arch).style !== 'imagenet') throw new ConfigError(`model.arch: Faster R-CNN FPN needs an ImageNet-style ResNet (resnet18…152), got ${cfg.arch}`);
    if (cfg.rpn.anchorSizes.length !== strides.length) {
      throw new ConfigError(`model.rpn.anchorSizes: the FPN layout takes one anchor size per level P2…P6 (${strides.length} sizes, e.g. [32, 64, 128, 256, 512]), got [${cfg.rpn.anchorSizes}]`);
    }
    if (cfg.rpn.anchorStyle !== 'torchvision') {
      throw new ConfigError(`model.rpn.anchorStyle: '${cfg.rpn.anchorStyle}' anchors are built for one stride-16 map (C4); the FPN layout takes 'torchvision' anchors`);
    }
    const net = new ResNet(cfg.arch, { numClasses: 1, widthMultiplier: cfg.widthMultiplier, strideIn1x1: cfg.strideIn1x1 });
    net.fc.dispose();
    this.backbone = this.addModule('backbone', new FpnBackbone(net, cfg.fpn.outChannels, cfg.fpn.norm ?? null));
    const levels = strides.map((stride, l) => ({ stride, sizes: [cfg.rpn.anchorSizes[l]] }));
    this.rpn = this.addModule('rpn', new RegionProposalNetwork(cfg.rpn, this.backbone.outChannels, levels));
    this.roiHeads = this.addModule('roi_heads', new FpnRoiHeads(cfg.roiHeads, this.backbone.outChannels, numClasses, strides.slice(0, 4)));
    freezeTrunk(this.backbone.body, this.backbone.body, cfg);
  }

  /**
   * Initialises the ResNet from ImageNet weights (torchvision .pth/.safetensors or a resdet classifier
   * checkpoint): conv1…layer4 into `backbone.body.*`; the classifier is dropped, the pyramid and heads keep
   * their initialisation.
   */
  async loadBackboneWeights(path: string): Promise<void> {
    await loadImagenetBackbone(this, path, (n) => `backbone.body.${n}`, ['backbone.body.']);
  }
}
