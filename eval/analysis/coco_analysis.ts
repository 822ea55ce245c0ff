/**
 * `analyzeCoco(gt, results, options)`: everything the analysis reports for a COCO evaluation — per-class PR curves
 * at IoU 0.5 and 0.75, AP by object size per class, the confusion matrix at a score threshold, the TIDE-style error
 * breakdown, and the detections whose category is not in the ground truth (counted, not evaluated).
 */
import { evaluateCoco } from '../coco/coco_eval';
import { loadCocoDetections, loadCocoGroundTruth } from '../coco/coco_load';
import { CocoDatasetJson, CocoDetectionJson, CocoDetections, CocoGroundTruth } from '../coco/coco_types';
import { cocoConfusionMatrix, ConfusionMatrix } from './confusion';
import { cocoErrorBreakdown, ErrorBreakdown } from './error_breakdown';
import { cocoPrCurves, CocoPrCurves } from './pr_curves';

export interface CocoAnalysisOptions {
  /** Score threshold of the confusion matrix (default 0.5). */
  scoreThreshold?: number;
}

export interface SizeAp {
  categoryId: number;
  name: string;
  /** COCO AP (IoU 0.5:0.95) over all, small (< 32²), medium and large (> 96²) boxes; -1 where no box of that size. */
  ap: number;
  small: number;
  medium: number;
  large: number;
}

export interface CocoAnalysis {
  /** COCOeval.stats: AP, AP50, AP75, AP S/M/L, AR@1/10/100, AR S/M/L. */
  stats: number[];
  prCurves: CocoPrCurves;
  apBySize: SizeAp[];
  confusion: ConfusionMatrix;
  errors: ErrorBreakdown;
  /** Detections whose category id is not in the ground truth, by id: left out of everything above. */
  unknownCategories: Record<string, number>;
}

export function analyzeCoco(
  gtInput: CocoDatasetJson | CocoGroundTruth,
  resultsInput: CocoDetectionJson[] | CocoDetections,
  options: CocoAnalysisOptions = {},
): CocoAnalysis {
  const g = 'imageIndex' in gtInput ? gtInput : loadCocoGroundTruth(gtInput);
  const r = Array.isArray(resultsInput) ? loadCocoDetections(resultsInput, g) : resultsInput;
  const ev = evaluateCoco(g, r);
  const names = new Map(g.categories.map((c) => [c.id, c.name]));
  return {
    stats: ev.stats,
    prCurves: cocoPrCurves(ev, names),
    apBySize: (ev.perCategory ?? []).map((c) => ({ categoryId: c.categoryId, name: c.name, ap: c.ap, small: c.apSmall, medium: c.apMedium, large: c.apLarge })),
    confusion: cocoConfusionMatrix(g, r, options.scoreThreshold ?? 0.5),
    errors: cocoErrorBreakdown(g, r),
    unknownCategories: ev.unknownCategories,
  };
}
