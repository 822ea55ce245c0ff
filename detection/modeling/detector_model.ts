/**
 * What every Faster R-CNN layout offers the trainer, the predictor and fine-tuning (`DetectorModel`), its
 * config (`DetectorModelConfig`), and the factory that builds the layout a config names (`model.type`:
 * 'c4', the paper's, or 'fpn', torchvision's fasterrcnn_resnet50_fpn, and with `fpn.norm: bn`,
 * `rpn.convDepth: 2`, `roiHeads.boxHead: convfc` its fasterrcnn_resnet50_fpn_v2). Configs of checkpoints written before
 * `model.type` existed have no type and build the C4 layout.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../../engine/nn/module';
import { SamplingRng } from './sampler';
import { ConfigError } from '../../run/config';
import { RpnConfig } from './rpn';
import { RoiHeadsConfig } from './roi_heads';
import { Detections, ImageSize, ImageTargets } from '../structures';
import { FasterRcnnC4 } from './faster_rcnn';
import { FasterRcnnFpn } from './faster_rcnn_fpn';
import { BatchNorm2d } from '../../engine/nn/batch_norm2d';

export type DetectorType = 'c4' | 'fpn';

export interface DetectorModelConfig {
  /** 'c4' (the paper's layout, default) or 'fpn' (feature pyramid on C2…C5, torchvision's design) */
  type: DetectorType;
  arch: string;
  widthMultiplier: number;
  /** 0: train everything; 1: freeze the stem; 2: stem and res2 (layer1); ... */
  freezeAt: number;
  /** 'frozen' (running statistics, the paper's choice with pretrained weights) or 'train' (from scratch) */
  batchNorm: 'frozen' | 'train';
  /** epsilon of every batch norm (1e-5; torchvision's v1 COCO Faster R-CNN was trained with 0) */
  batchNormEps: number;
  strideIn1x1: boolean;
  /** the feature pyramid (type 'fpn' only): channels, and batch norm in its blocks ('bn', torchvision's v2) or none */
  fpn: { outChannels: number; norm: 'bn' | null };
  rpn: RpnConfig;
  roiHeads: RoiHeadsConfig;
}

export interface DetectorLosses {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
}

/** A Faster R-CNN of either layout: a Module (parameters, state dict, train/eval) with these operations. */
export interface DetectorModel extends Module {
  readonly cfg: DetectorModelConfig;
  readonly numClasses: number;
  /** name prefixes of the class-specific layers (re-initialised when fine-tuning on other classes) */
  readonly classSpecificPrefixes: readonly string[];
  /** name prefixes of the layers ImageNet weights do not initialise */
  readonly headPrefixes: readonly string[];
  /** Training losses for a padded batch (synchronous, to run inside a gradient tape). */
  losses(images: tf.Tensor4D, sizes: ImageSize[], targets: ImageTargets[], rng: SamplingRng): DetectorLosses;
  /** Detections per image in network-input pixels (eval mode). */
  detect(images: tf.Tensor4D, sizes: ImageSize[]): Detections[];
  /** Initialises the backbone from ImageNet weights (torchvision .pth/.safetensors or a resdet classifier). */
  loadBackboneWeights(path: string): Promise<void>;
}

/** Builds the layout `modelCfg.type` names (missing: 'c4') for `numClasses` object classes. */
export function buildDetectorModel(modelCfg: DetectorModelConfig, numClasses: number): DetectorModel {
  const type = modelCfg.type ?? 'c4';
  let model: DetectorModel;
  if (type === 'c4') model = new FasterRcnnC4({ ...modelCfg, type }, numClasses);
  else if (type === 'fpn') model = new FasterRcnnFpn(modelCfg, numClasses);
  else throw new ConfigError(`model.type: unknown detector layout '${String(type)}' (known: c4, fpn)`);
  setBatchNormEps(model, modelCfg.batchNormEps ?? 1e-5);
  return model;
}

/** Sets the epsilon of every batch norm below `root` (before its first forward pass). */
export function setBatchNormEps(root: Module, eps: number): void {
  for (const [, m] of root.namedModules()) if (m instanceof BatchNorm2d) m.eps = eps;
}
