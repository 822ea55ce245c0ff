/**
 * The detector config: defaults (the paper's Faster R-CNN R-50/101 C4 settings; `model.type: fpn` selects the
 * feature-pyramid layout, whose keys `model.fpn` and `model.roiHeads.mlpDim` the C4 layout ignores; torchvision's
 * fasterrcnn_resnet50_fpn_v2 is the FPN layout with `model.fpn.norm: bn`, `model.rpn.convDepth: 2` and
 * `model.roiHeads.boxHead: convfc` — configs/faster_rcnn_R_50_FPN_v2_coco.yaml) and the
 * schema that validates YAML files and `--set` overrides. Every default is here; configs/*.yaml only state
 * differences.
 */
import type { DetectorModelConfig } from './modeling/detector_model';
import type { OptimizerKind } from '../engine/optim/optimizer';
import { OPTIMIZER_SCHEMA_KEYS } from '../run/optimizer_schema';

export interface DatasetSpec {
  /** dataset path (VOCdevkit, COCO folder or JSON, CSV, YOLO folder) */
  path: string;
  format: 'voc' | 'coco' | 'csv' | 'yolo' | null;
  /** VOC image set or union (voc_2007_trainval+voc_2012_trainval), COCO split (train2017) */
  split: string | null;
  /** class names for formats that do not carry them (CSV, YOLO, VOC folders without classes.txt) */
  classes?: string[] | null;
}

export interface DetectorConfig {
  backend: string;
  seed: number;
  model: DetectorModelConfig & { pretrained: string | null };
  data: {
    train: DatasetSpec;
    test: DatasetSpec;
    /** training shorter side(s) S (several = multi-scale) and the longer-side cap M */
    shortSides: number[];
    maxSize: number;
    testShortSide: number;
    flip: boolean;
    normalization: 'torchvision' | 'msra';
    /**
     * 'sharp': size round(side·s), PIL-style bilinear when enlarging, its antialiased triangle filter when shrinking
     * (datasets/detection/pipeline/triangle.ts; the name is historical: libvips shrank before); 'torch-bilinear':
     * torchvision's GeneralizedRCNNTransform (size floor(side·s) with s in float32, bilinear as
     * F.interpolate(align_corners=False) without antialias, both ways)
     */
    resize: 'sharp' | 'torch-bilinear';
    includeDifficult: boolean;
    /**
     * photometric jitter of training images: per image, brightness, contrast and saturation factors drawn
     * uniformly in [1 - x, 1 + x] (datasets/detection/pipeline/transforms.ts); all 0 (the default) = off
     */
    photometric: { brightness: number; contrast: number; saturation: number };
  };
  solver: {
    maxIters: number;
    imsPerBatch: number;
    lr: number;
    /** 'sgd' (with momentum, the default), 'adam' or 'adamw' (engine/optim/optimizer.ts) */
    optimizer: OptimizerKind;
    momentum: number;
    weightDecay: number;
    /** Adam's β1, β2 and ε */
    betas: number[];
    eps: number;
    /** fractions of maxIters at which the lr is multiplied by gamma */
    steps: number[];
    gamma: number;
    warmupIters: number;
    warmupFactor: number;
  };
  checkpoint: { period: number };
  /**
   * periodic evaluation on data.test every `period` iterations (0: only at the end), on at most `limit` images;
   * it always reports VOC07 mAP@0.5 and COCO AP. (`eval.metric`, which chose nothing, is still accepted in old
   * configs and run folders and has no effect.)
   * At each evaluation period (and after the last step), the validation loss: the losses on the first `valImages`
   * images of data.test that have a box, in eval mode with no update (detection/validation_loss.ts), logged as a
   * `val` record; 0 = off.
   */
  eval: { period: number; limit: number | null; valImages: number };
}

export const DETECTOR_DEFAULTS: DetectorConfig = {
  backend: 'auto',
  seed: 0,
  model: {
    type: 'c4',
    arch: 'resnet50',
    widthMultiplier: 1,
    freezeAt: 2,
    batchNorm: 'frozen',
    batchNormEps: 1e-5,
    strideIn1x1: false,
    pretrained: null,
    fpn: { outChannels: 256, norm: null },
    rpn: {
      anchorSizes: [128, 256, 512],
      aspectRatios: [0.5, 1, 2],
      anchorStyle: 'torchvision',
      anchorStrides: 'nominal',
      preNmsTopNTrain: 12000,
      postNmsTopNTrain: 2000,
      preNmsTopNTest: 6000,
      postNmsTopNTest: 300,
      nmsThresh: 0.7,
      minSize: 16,
      fgIouThresh: 0.7,
      bgIouThresh: 0.3,
      batchSizePerImage: 256,
      positiveFraction: 0.5,
      smoothL1Beta: 1 / 9,
      convDepth: 1,
    },
    roiHeads: {
      pooler: 'align',
      resolution: 14,
      samplingRatio: 0,
      aligned: true,
      mlpDim: 1024,
      boxHead: 'mlp',
      numConv: 4,
      convDim: 256,
      convNorm: 'bn',
      canonicalScale: 224,
      batchSizePerImage: 128,
      positiveFraction: 0.25,
      fgIouThresh: 0.5,
      bgIouThreshLo: 0,
      bboxRegWeights: [10, 10, 5, 5],
      smoothL1Beta: 1 / 9,
      scoreThresh: 0.05,
      nmsThresh: 0.3,
      detectionsPerImage: 100,
    },
  },
  data: {
    train: { path: 'data/VOCdevkit', format: null, split: 'voc_2007_trainval+voc_2012_trainval' },
    test: { path: 'data/VOCdevkit', format: null, split: 'voc_2007_test' },
    shortSides: [600],
    maxSize: 1000,
    testShortSide: 600,
    flip: true,
    normalization: 'torchvision',
    resize: 'sharp',
    includeDifficult: false,
    photometric: { brightness: 0, contrast: 0, saturation: 0 },
  },
  solver: {
    maxIters: 80000,
    imsPerBatch: 2,
    lr: 0.005,
    optimizer: 'sgd',
    momentum: 0.9,
    weightDecay: 1e-4,
    betas: [0.9, 0.999],
    eps: 1e-8,
    steps: [0.75],
    gamma: 0.1,
    warmupIters: 100,
    warmupFactor: 0.001,
  },
  checkpoint: { period: 5000 },
  eval: { period: 0, limit: null, valImages: 50 },
};

const num = { type: 'number' };
const pos = { type: 'number', exclusiveMinimum: 0 };
const posInt = { type: 'integer', minimum: 1 };
const nnInt = { type: 'integer', minimum: 0 };
const frac = { type: 'number', minimum: 0, maximum: 1 };
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });
const obj = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, properties });
const dataset = obj({
  path: { type: 'string' },
  format: nullable({ enum: ['voc', 'coco', 'csv', 'yolo'] }),
  split: nullable({ type: 'string' }),
  classes: nullable({ type: 'array', items: { type: 'string' } }),
});

export const DETECTOR_SCHEMA = obj({
  backend: { type: 'string' },
  seed: { type: 'integer' },
  model: obj({
    type: { enum: ['c4', 'fpn'] },
    arch: { type: 'string' },
    widthMultiplier: pos,
    freezeAt: { type: 'integer', minimum: 0, maximum: 4 },
    batchNorm: { enum: ['frozen', 'train'] },
    batchNormEps: { type: 'number', minimum: 0 },
    strideIn1x1: { type: 'boolean' },
    pretrained: nullable({ type: 'string' }),
    fpn: obj({ outChannels: posInt, norm: nullable({ enum: ['bn'] }) }),
    rpn: obj({
      anchorSizes: { type: 'array', items: pos, minItems: 1 },
      aspectRatios: { type: 'array', items: pos, minItems: 1 },
      anchorStyle: { enum: ['torchvision', 'py-faster-rcnn'] },
      anchorStrides: { enum: ['nominal', 'torchvision'] },
      preNmsTopNTrain: posInt,
      postNmsTopNTrain: posInt,
      preNmsTopNTest: posInt,
      postNmsTopNTest: posInt,
      nmsThresh: frac,
      minSize: { type: 'number', minimum: 0 },
      fgIouThresh: frac,
      bgIouThresh: frac,
      batchSizePerImage: posInt,
      positiveFraction: frac,
      smoothL1Beta: { type: 'number', minimum: 0 },
      convDepth: posInt,
    }),
    roiHeads: obj({
      pooler: { enum: ['align', 'pool'] },
      resolution: posInt,
      samplingRatio: { type: 'integer' },
      aligned: { type: 'boolean' },
      mlpDim: posInt,
      boxHead: { enum: ['mlp', 'convfc'] },
      numConv: nnInt,
      convDim: posInt,
      convNorm: nullable({ enum: ['bn'] }),
      canonicalScale: pos,
      batchSizePerImage: posInt,
      positiveFraction: frac,
      fgIouThresh: frac,
      bgIouThreshLo: frac,
      bboxRegWeights: { type: 'array', items: pos, minItems: 4, maxItems: 4 },
      smoothL1Beta: { type: 'number', minimum: 0 },
      scoreThresh: frac,
      nmsThresh: frac,
      detectionsPerImage: posInt,
    }),
  }),
  data: obj({
    train: dataset,
    test: dataset,
    shortSides: { type: 'array', items: posInt, minItems: 1 },
    maxSize: posInt,
    testShortSide: posInt,
    flip: { type: 'boolean' },
    normalization: { enum: ['torchvision', 'msra'] },
    resize: { enum: ['sharp', 'torch-bilinear'] },
    includeDifficult: { type: 'boolean' },
    photometric: obj({ brightness: frac, contrast: frac, saturation: frac }),
  }),
  solver: obj({
    maxIters: posInt,
    imsPerBatch: posInt,
    lr: pos,
    ...OPTIMIZER_SCHEMA_KEYS,
    momentum: frac,
    weightDecay: { type: 'number', minimum: 0 },
    steps: { type: 'array', items: frac },
    gamma: num,
    warmupIters: nnInt,
    warmupFactor: num,
  }),
  checkpoint: obj({ period: posInt }),
  // metric: accepted for old configs and run folders, read nowhere (see DetectorConfig.eval)
  eval: obj({ period: nnInt, valImages: nnInt, metric: { enum: ['auto', 'voc07', 'voc_area', 'coco'] }, limit: nullable(posInt) }),
});
