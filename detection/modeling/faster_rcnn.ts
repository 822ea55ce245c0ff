/**
 * Faster R-CNN in the paper's C4 layout: ResNet conv1…conv4_x as the shared stride-16 trunk (`backbone.*`,
 * torchvision names), the RPN on it (`rpn.*`), and conv5_x per RoI in the box head (`roi_heads.res5.*`).
 * Batch norm is frozen everywhere by default (the paper's choice) and the stem and res2 are frozen
 * (`freezeAt` 2); training from scratch uses trainable batch norm instead.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../run/config';
import { ResNet } from '../../backbone/resnet';
import { RegionProposalNetwork } from './rpn';
import { C4RoiHeads } from './roi_heads_c4';
import { ResNetTrunk, freezeTrunk } from './resnet_trunk';
import { loadImagenetBackbone } from './backbone_weights';
import { TwoStageDetector } from './two_stage_detector';
import type { DetectorModel, DetectorModelConfig } from './detector_model';

export class FasterRcnnC4 extends TwoStageDetector<tf.Tensor4D> implements DetectorModel {
  readonly backbone: ResNetTrunk;
  readonly rpn: RegionProposalNetwork;
  readonly roiHeads: C4RoiHeads;
  readonly stride = 16;
  readonly classSpecificPrefixes = ['roi_heads.box_predictor'];
  readonly headPrefixes = ['rpn', 'roi_heads.box_predictor'];

  constructor(readonly cfg: DetectorModelConfig, readonly numClasses: number) {
    super();
    const net = new ResNet(cfg.arch, { numClasses: 1, widthMultiplier: cfg.widthMultiplier, strideIn1x1: cfg.strideIn1x1 });
    if (net.spec.style !== 'imagenet') throw new Error(`Faster R-CNN C4 needs an ImageNet-style ResNet (resnet18…152), got ${cfg.arch}`);
    if ((cfg.roiHeads.boxHead ?? 'mlp') !== 'mlp') {
      throw new ConfigError(`model.roiHeads.boxHead: '${cfg.roiHeads.boxHead}' is a box head of the FPN layout; the C4 layout's box head is res5 (set model.type: fpn)`);
    }
    net.fc.dispose();
    this.backbone = this.addModule('backbone', new ResNetTrunk(net, 3));
    this.rpn = this.addModule('rpn', new RegionProposalNetwork(cfg.rpn, this.backbone.outChannels, [{ stride: this.stride, sizes: cfg.rpn.anchorSizes }]));
    this.roiHeads = this.addModule('roi_heads', new C4RoiHeads(cfg.roiHeads, net.stages[3], numClasses, this.stride));
    freezeTrunk(this, this.backbone, cfg);
  }

  /**
   * Initialises the backbone from ImageNet weights (torchvision .pth/.safetensors or a resdet classifier
   * checkpoint): conv1…layer3 into `backbone.*`, layer4 into `roi_heads.res5.*`; the classifier is dropped.
   */
  async loadBackboneWeights(path: string): Promise<void> {
    const rename = (n: string) => (n.startsWith('layer4.') ? `roi_heads.res5.${n.slice('layer4.'.length)}` : `backbone.${n}`);
    await loadImagenetBackbone(this, path, rename, ['backbone.', 'roi_heads.res5.']);
  }
}
