/**
 * torchvision's detector builders that have a resdet layout, one descriptor each: the resdet config that
 * reproduces the builder (layout, and torchvision's training and inference settings), how the state-dict keys
 * of its files map to resdet's names and back, which keys betray a file of another builder, and why a resdet
 * config has no counterpart. `weights import` (torchvision_import.ts) and `weights export`
 * (torchvision_export.ts) read only this table; a new builder is one more entry.
 */
import type { DetectorConfig } from './config';

/** A nested partial of the detector config (what a descriptor sets over the defaults). */
export type ConfigPatch = { [K in keyof DetectorConfig]?: unknown };

export interface TorchvisionDetectorSpec {
  /** torchvision's builder name, the `--arch` of `weights import` */
  arch: string;
  /** the resdet `model.type` it maps onto (export picks the descriptor by it) */
  layout: string;
  /** the config set over resdet's defaults: layout, torchvision's settings for training and inference */
  config: ConfigPatch;
  /** a key every file of this builder holds (after renaming), to recognise the builder */
  signature: string;
  /** keys that only other builders' files hold: pattern, and what the file then is */
  foreign: Array<{ key: RegExp; arch: string; why: string }>;
  /** a file key (any key style torchvision has used) → resdet's name; null: not a parameter (dropped) */
  toResdet(key: string): string | null;
  /** resdet's name → torchvision's current (>= 0.13) key */
  toTorchvision(name: string): string;
  /** why a resdet detector config has no counterpart in this builder, or null */
  mismatch(cfg: DetectorConfig): string | null;
  /** whether a resdet config of `layout` is this builder's variant (export picks among builders of one layout) */
  claims(cfg: DetectorConfig): boolean;
  /**
   * torchvision's BatchNorm2d (not FrozenBatchNorm2d) layers: their state dict also holds `num_batches_tracked`
   * (int64, one per `running_var`), which resdet does not keep; export writes it (as 0)
   */
  numBatchesTracked: boolean;
}

/** torchvision's settings shared by its Faster R-CNN FPN builders (torchvision/models/detection/faster_rcnn.py). */
const TORCHVISION_FASTER_RCNN = {
  model: {
    arch: 'resnet50',
    widthMultiplier: 1,
    strideIn1x1: false,
    // trainable_backbone_layers=3: conv1 and layer1 frozen
    freezeAt: 2,
    pretrained: null,
    fpn: { outChannels: 256 },
    rpn: {
      anchorSizes: [32, 64, 128, 256, 512],
      aspectRatios: [0.5, 1, 2],
      anchorStyle: 'torchvision',
      anchorStrides: 'torchvision',
      preNmsTopNTrain: 2000,
      postNmsTopNTrain: 2000,
      preNmsTopNTest: 1000,
      postNmsTopNTest: 1000,
      nmsThresh: 0.7,
      minSize: 1e-3,
      fgIouThresh: 0.7,
      bgIouThresh: 0.3,
      batchSizePerImage: 256,
      positiveFraction: 0.5,
      smoothL1Beta: 1 / 9,
    },
    roiHeads: {
      pooler: 'align',
      resolution: 7,
      samplingRatio: 2,
      aligned: false,
      mlpDim: 1024,
      canonicalScale: 224,
      batchSizePerImage: 512,
      positiveFraction: 0.25,
      fgIouThresh: 0.5,
      bgIouThreshLo: 0,
      bboxRegWeights: [10, 10, 5, 5],
      smoothL1Beta: 1 / 9,
      scoreThresh: 0.05,
      nmsThresh: 0.5,
      detectionsPerImage: 100,
    },
  },
  data: {
    test: { path: 'data/coco', format: 'coco', split: 'val2017' },
    shortSides: [800],
    maxSize: 1333,
    testShortSide: 800,
    normalization: 'torchvision',
    resize: 'torch-bilinear',
  },
};

const FPN_BLOCK_FILE = /^backbone\.fpn\.(inner|layer)_blocks\.(\d+)\.0\.(weight|bias)$/;
const RPN_CONV_FILE = /^rpn\.head\.conv\.0\.0\.(weight|bias)$/;
const FPN_BLOCK_RESDET = /^backbone\.fpn\.(inner|layer)_blocks\.(\d+)\.(weight|bias)$/;
const RPN_CONV_RESDET = /^rpn\.head\.conv\.(weight|bias)$/;

/** Why a resdet config is not torchvision's ResNet-50 FPN layout (backbone, pyramid, RPN head, box head). */
function fpnR50Mismatch(cfg: DetectorConfig, arch: string): string | null {
  const m = cfg.model;
  if (m.arch !== 'resnet50') return `${arch} is built on resnet50; this detector's backbone is ${m.arch}`;
  if (m.widthMultiplier !== 1) return `${arch} has full-width ResNet stages; this detector has widthMultiplier ${m.widthMultiplier}`;
  if (m.strideIn1x1) return `${arch}'s bottlenecks stride in the 3x3 convolution; this detector has strideIn1x1 (the MSRA layout)`;
  if (m.fpn.outChannels !== 256) return `${arch}'s pyramid has 256 channels; this detector's has ${m.fpn.outChannels}`;
  const anchors = m.rpn.aspectRatios.length; // the FPN layout has one anchor size per level
  if (anchors !== 3) return `${arch}'s RPN head predicts 3 anchors per location; this detector's predicts ${anchors}`;
  if (m.roiHeads.resolution !== 7) return `${arch}'s box head takes 7x7 pooled features; this detector's takes ${m.roiHeads.resolution}x${m.roiHeads.resolution}`;
  if (m.roiHeads.mlpDim !== 1024) return `${arch}'s box head has 1024-wide layers; this detector's mlpDim is ${m.roiHeads.mlpDim}`;
  return null;
}

/** torchvision's fasterrcnn_resnet50_fpn (v1): FrozenBatchNorm with epsilon 0 (overwrite_eps), TwoMLPHead. */
export const FASTERRCNN_RESNET50_FPN: TorchvisionDetectorSpec = {
  arch: 'fasterrcnn_resnet50_fpn',
  layout: 'fpn',
  config: {
    ...TORCHVISION_FASTER_RCNN,
    model: { ...TORCHVISION_FASTER_RCNN.model, type: 'fpn', batchNorm: 'frozen', batchNormEps: 0 },
  },
  signature: 'roi_heads.box_head.fc6.weight',
  foreign: [
    { key: /^roi_heads\.box_head\.0\.0\.weight$/, arch: 'fasterrcnn_resnet50_fpn_v2', why: 'a box head of convolutions (roi_heads.box_head.0.0.weight)' },
    { key: /^rpn\.head\.conv\.1\.0\.weight$/, arch: 'fasterrcnn_resnet50_fpn_v2', why: 'an RPN head of two convolutions (rpn.head.conv.1.0.weight)' },
  ],
  toResdet(key) {
    if (key.endsWith('num_batches_tracked')) return null;
    if (FPN_BLOCK_FILE.test(key)) return key.replace(FPN_BLOCK_FILE, 'backbone.fpn.$1_blocks.$2.$3');
    if (RPN_CONV_FILE.test(key)) return key.replace(RPN_CONV_FILE, 'rpn.head.conv.$1');
    return key;
  },
  toTorchvision(name) {
    if (FPN_BLOCK_RESDET.test(name)) return name.replace(FPN_BLOCK_RESDET, 'backbone.fpn.$1_blocks.$2.0.$3');
    if (RPN_CONV_RESDET.test(name)) return name.replace(RPN_CONV_RESDET, 'rpn.head.conv.0.0.$1');
    return name;
  },
  mismatch(cfg) {
    return fpnR50Mismatch(cfg, 'fasterrcnn_resnet50_fpn') ?? v1HeadsMismatch(cfg);
  },
  claims: (cfg) => !isV2Layout(cfg),
  numBatchesTracked: false,
};

/** A config naming any of the v2 blocks (the box head decides which builder export reports against). */
function isV2Layout(cfg: DetectorConfig): boolean {
  return (cfg.model.roiHeads.boxHead ?? 'mlp') === 'convfc';
}

/** Why an FPN config does not have v1's plain pyramid, one-convolution RPN head and two-layer box head. */
function v1HeadsMismatch(cfg: DetectorConfig): string | null {
  const m = cfg.model;
  if ((m.fpn.norm ?? null) !== null) return "fasterrcnn_resnet50_fpn's pyramid has no batch norm; this detector has model.fpn.norm bn (fasterrcnn_resnet50_fpn_v2 has)";
  if ((m.rpn.convDepth ?? 1) !== 1) return `fasterrcnn_resnet50_fpn's RPN head has one 3x3 convolution; this detector's has ${m.rpn.convDepth}`;
  return null;
}

/** Why an FPN config is not v2's: BN in the pyramid, two RPN convolutions, four conv + BN layers and one FC. */
function v2HeadsMismatch(cfg: DetectorConfig): string | null {
  const m = cfg.model;
  const r = m.roiHeads;
  if (m.fpn.norm !== 'bn') return "fasterrcnn_resnet50_fpn_v2's pyramid blocks have batch norm; this detector's have none (model.fpn.norm)";
  if (m.rpn.convDepth !== 2) return `fasterrcnn_resnet50_fpn_v2's RPN head has two 3x3 convolutions; this detector's has ${m.rpn.convDepth ?? 1}`;
  if (r.boxHead !== 'convfc') return "fasterrcnn_resnet50_fpn_v2's box head is FastRCNNConvFCHead; this detector's is two fully connected layers (model.roiHeads.boxHead mlp)";
  if (r.numConv !== 4 || r.convDim !== 256 || r.convNorm !== 'bn') {
    return `fasterrcnn_resnet50_fpn_v2's box head has four 3x3 convolutions of 256 channels with batch norm; this detector's has ${r.numConv} of ${r.convDim} with norm ${r.convNorm}`;
  }
  return null;
}

/**
 * torchvision's fasterrcnn_resnet50_fpn_v2: BatchNorm2d (epsilon 1e-5) in the body, the pyramid and the box
 * head; an RPN head of two convolutions; FastRCNNConvFCHead. Its keys are resdet's names as they are (it was
 * published after torchvision 0.13's renaming, and resdet's v2 blocks carry those names). Imported with the
 * body's batch norm frozen (as every resdet fine-tuning from pretrained weights; BN in the pyramid and box head
 * keeps training, as torchvision's BatchNorm2d there: faster_rcnn_fpn.ts).
 */
export const FASTERRCNN_RESNET50_FPN_V2: TorchvisionDetectorSpec = {
  arch: 'fasterrcnn_resnet50_fpn_v2',
  layout: 'fpn',
  config: {
    ...TORCHVISION_FASTER_RCNN,
    model: {
      ...TORCHVISION_FASTER_RCNN.model,
      type: 'fpn',
      batchNorm: 'frozen',
      batchNormEps: 1e-5,
      fpn: { ...TORCHVISION_FASTER_RCNN.model.fpn, norm: 'bn' },
      rpn: { ...TORCHVISION_FASTER_RCNN.model.rpn, convDepth: 2 },
      roiHeads: { ...TORCHVISION_FASTER_RCNN.model.roiHeads, boxHead: 'convfc', numConv: 4, convDim: 256, convNorm: 'bn' },
    },
  },
  signature: 'roi_heads.box_head.5.weight',
  foreign: [
    { key: /^roi_heads\.box_head\.fc6\.weight$/, arch: 'fasterrcnn_resnet50_fpn', why: 'a box head of two fully connected layers (roi_heads.box_head.fc6.weight)' },
    { key: /^rpn\.head\.conv\.weight$/, arch: 'fasterrcnn_resnet50_fpn', why: 'an RPN head of one convolution (rpn.head.conv.weight)' },
  ],
  toResdet: (key) => (key.endsWith('num_batches_tracked') ? null : key),
  toTorchvision: (name) => name,
  mismatch(cfg) {
    return fpnR50Mismatch(cfg, 'fasterrcnn_resnet50_fpn_v2') ?? v2HeadsMismatch(cfg);
  },
  claims: isV2Layout,
  numBatchesTracked: true,
};

export const TORCHVISION_DETECTORS: TorchvisionDetectorSpec[] = [FASTERRCNN_RESNET50_FPN, FASTERRCNN_RESNET50_FPN_V2];

export function torchvisionDetector(arch: string): TorchvisionDetectorSpec | undefined {
  return TORCHVISION_DETECTORS.find((s) => s.arch === arch);
}

/** The torchvision builder a resdet config exports to (its layout, and among builders of it the variant), if any. */
export function torchvisionDetectorFor(cfg: DetectorConfig): TorchvisionDetectorSpec | undefined {
  const layout = cfg.model.type ?? 'c4';
  return TORCHVISION_DETECTORS.find((s) => s.layout === layout && s.claims(cfg));
}
