/**
 * results.json of `resdet reproduce transfer` (issue 12's schema, claim "transfer"): one entry per detector run
 * (variant x seed) with its final metrics on the test canvases, its curve, wall time and the ordinary command
 * that reproduces it, plus what the comparison shares (pretraining runs, budget, backend, commit).
 */
import type { TransferVariant } from './transfer_variants';

/** Final metrics of a detector on the test canvases (fractions; COCO AP of a size without objects is -1). */
export interface TransferFinal {
  voc07_map50: number;
  coco_ap: number;
  coco_ap50: number;
  coco_ap_small: number;
  coco_ap_medium: number;
  coco_ap_large: number;
}

/** [iteration, mean training loss over the iterations since the previous point, test VOC07 mAP@0.5 or null] */
export type TransferCurvePoint = [number, number | null, number | null];

export const TRANSFER_CURVE_COLUMNS = ['iteration', 'train_loss', 'test_voc07_map50'] as const;

export interface TransferRun {
  name: TransferVariant;
  seed: number;
  final: TransferFinal;
  curve: TransferCurvePoint[];
  /** wall time of the run: training, periodic and final evaluation (summed over resumed sessions) */
  seconds: number;
  /** the ordinary `resdet train` command that makes this run */
  command: string;
  /** the run folder */
  run: string;
}

/** One backbone's pretraining: an ordinary `resdet classify train` run. */
export interface PretrainRun {
  arch: string;
  top1: number;
  top5: number;
  testImages: number;
  seconds: number;
  command: string;
  checkpoint: string;
}

export interface TransferSetup {
  width: number;
  detectorConfig: string;
  pretrainConfig: string;
  iterations: number;
  imsPerBatch: number;
  trainCanvases: number;
  testCanvases: number;
  pretrainEpochs: number;
  pretrainImages: number;
  pretrainImageSize: number;
}

export interface TransferResults {
  claim: 'transfer';
  dataset: string;
  curve_columns: typeof TRANSFER_CURVE_COLUMNS;
  runs: TransferRun[];
  pretraining: PretrainRun[];
  setup: TransferSetup;
  /** the backend and its threads, as initBackend described it */
  backend: string;
  /** wall time of the whole comparison, summed over the runs and pretraining */
  seconds: number;
  command: string;
  commit: string;
}
