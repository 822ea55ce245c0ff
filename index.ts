/** resdet's public API (`require('resdet')`). */
export { initBackend, backendChoice, BACKEND_NAMES } from './engine/backend';
export type { BackendName, BackendChoice } from './engine/backend';
export { batchNormTrain, batchNormInference } from './engine/ops/batch_norm';
export { Module } from './engine/nn/module';
export type { Parameter, StateDict } from './engine/nn/module';
export { Conv2d } from './engine/nn/conv2d';
export { BatchNorm2d } from './engine/nn/batch_norm2d';
export { Linear } from './engine/nn/linear';
export { seedInit } from './engine/nn/init';
export { SGD } from './engine/optim/sgd';
export { learningRate } from './engine/optim/lr_schedule';
export type { LrScheduleConfig } from './engine/optim/lr_schedule';
export { trainStep } from './engine/train_step';
export { saveCheckpoint, resolveCheckpoint, readCheckpointMeta } from './run/checkpoint';
export { readSafetensors, writeSafetensors } from './engine/safetensors';
export { readTorchStateDict } from './engine/pth/torch_load';
export { readWeightsFile } from './engine/weights_file';
export type { HostTensor } from './engine/host_tensor';
export { loadConfig } from './run/config';
export { Rng } from './engine/rng';
export { buildResNet, ResNet } from './backbone/resnet';
export type { ResNetOptions } from './backbone/resnet';
export { ARCH_NAMES, archSpec } from './backbone/archs';
export { loadBackboneWeights } from './backbone/load_weights';
export { trainClassifier } from './backbone/classifier/train';
export { evaluateClassifier } from './backbone/classifier/evaluate';
export { loadClassifier } from './backbone/classifier/checkpoint';
export { CLASSIFIER_DEFAULTS } from './backbone/classifier/config';
export type { ClassifierConfig } from './backbone/classifier/config';
export * from './datasets/classification';
export { area, boxIou, clipBoxesToImage, removeSmallBoxes, boxConvert } from './detection/ops/box_ops';
export type { BoxFormat } from './detection/ops/box_ops';
export { BoxCoder, BBOX_XFORM_CLIP } from './detection/modeling/box_coder';
export { generateAnchors } from './detection/modeling/anchor_generator';
export type { AnchorOptions } from './detection/modeling/anchor_generator';
export { nms, batchedNms } from './detection/ops/nms';
export { roiAlign } from './detection/ops/roi_align';
export type { RoiAlignOptions } from './detection/ops/roi_align';
export { roiPool } from './detection/ops/roi_pool';
export type { RoiPoolOptions } from './detection/ops/roi_pool';
export { Matcher, BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS } from './detection/modeling/matcher';
export { BalancedPositiveNegativeSampler } from './detection/modeling/sampler';
export type { SampledMasks } from './detection/modeling/sampler';
export { smoothL1Loss, l1Loss } from './detection/ops/losses';
export type { Reduction } from './detection/ops/losses';
export {
  loadVoc, loadCoco, loadCsv, loadYolo, openDetectionDataset, detectFormat, VOC_CLASSES, vocToContinuous, continuousToVoc,
  throwIfErrors, checkImages, summarize, writeDataset, synthShapes, synthFashionMnist, SHAPE_CLASSES, drawBoxes,
  drawnPaths, SkippedImages,
  BatchProducer, aspectGroupedBatches, planImage, resizedSize, boxesToOriginal, NORMALIZATIONS, TRAIN_TRANSFORMS, TEST_TRANSFORMS,
} from './datasets/detection';
export type {
  DatasetRecord, ClassMap, DetectionDataset, DetectionFormat, Problem, Batch as DetectionBatch, ImageMeta, TransformOptions, ResizeGeometry,
} from './datasets/detection';
export { evaluateCoco } from './eval/coco/coco_eval';
export { loadCocoGroundTruth, loadCocoDetections, readCocoGroundTruth, readCocoDetections } from './eval/coco/coco_load';
export { summaryLines as cocoSummaryLines, cocoJsonReport } from './eval/coco/coco_report';
export type { CocoParams, CocoEvaluation, CocoCategoryResult, CocoDatasetJson, CocoDetectionJson } from './eval/coco/coco_types';
export { evaluateVoc } from './eval/voc/voc_eval';
export { readVocGroundTruth } from './eval/voc/voc_annotations';
export { readVocResultsDir, writeVocResults } from './eval/voc/voc_results_files';
export { readVocResultsJson, vocDetectionsFromJson } from './eval/voc/voc_results_json';
export type { VocGroundTruth, VocDetection, VocEvalOptions, VocEvaluation, VocMetric } from './eval/voc/voc_types';
export { EvalInputError } from './eval/eval_error';
export { analyzeCoco } from './eval/analysis/coco_analysis';
export type { CocoAnalysis, CocoAnalysisOptions, SizeAp } from './eval/analysis/coco_analysis';
export { cocoPrCurves, vocPrCurves } from './eval/analysis/pr_curves';
export type { CocoPrCurves, CocoPrCurve, VocPrCurve } from './eval/analysis/pr_curves';
export { cocoConfusionMatrix } from './eval/analysis/confusion';
export type { ConfusionMatrix } from './eval/analysis/confusion';
export { cocoErrorBreakdown, ERROR_TYPES } from './eval/analysis/error_breakdown';
export type { ErrorBreakdown, ErrorType } from './eval/analysis/error_breakdown';
export { FasterRcnnC4 } from './detection/modeling/faster_rcnn';
export { FasterRcnnFpn } from './detection/modeling/faster_rcnn_fpn';
export { FeaturePyramidNetwork, FpnBackbone } from './detection/modeling/fpn';
export { buildDetectorModel } from './detection/modeling/detector_model';
export type { DetectorModel, DetectorModelConfig, DetectorLosses, DetectorType } from './detection/modeling/detector_model';
export { loadDetector, Detector } from './detection/detector';
export type { Detection } from './detection/detector';
export { TORCHVISION_DETECTORS, torchvisionDetector, FASTERRCNN_RESNET50_FPN } from './detection/torchvision_detectors';
export type { TorchvisionDetectorSpec } from './detection/torchvision_detectors';
export { importTorchvisionDetector } from './detection/torchvision_import';
export { exportTorchvisionDetector } from './detection/torchvision_export';
export { writeTorchStateDict } from './engine/pth/torch_save';
export { trainDetector } from './detection/trainer';
export { evaluateDetector } from './detection/evaluate';
export { DETECTOR_DEFAULTS } from './detection/config';
export type { DetectorConfig } from './detection/config';
