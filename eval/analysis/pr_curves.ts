/**
 * Per-class precision–recall curves. COCO: the evaluator's accumulated 101-point interpolated precision at IoU 0.5
 * and 0.75 (area all, the largest maxDets), read straight from its precision array, with the class's AP at that
 * IoU. VOC: the devkit's cumulative recall/precision after each detection in score order, with the class's AP.
 */
import { sliceMean } from '../coco/coco_summarize';
import { CocoEvaluation } from '../coco/coco_types';
import { vocClassAp, vocClassCurves } from '../voc/voc_eval';
import { VocDetection, VocEvalOptions, VocGroundTruth } from '../voc/voc_types';

export interface CocoPrCurve {
  iouThreshold: number;
  /** precision[r] at recall recallThresholds[r]; -1 where the class has no ground truth. */
  precision: number[];
  /** The class's AP at this IoU (COCO per-class AP50 / AP75); -1 without ground truth. */
  ap: number;
}

export interface CocoClassCurves {
  categoryId: number;
  name: string;
  curves: CocoPrCurve[];
}

export interface CocoPrCurves {
  recallThresholds: number[];
  classes: CocoClassCurves[];
}

export const PR_IOUS = [0.5, 0.75];

export function cocoPrCurves(ev: CocoEvaluation, names: Map<number, string>): CocoPrCurves {
  const p = ev.params;
  const { R, K, A, M } = ev.dims;
  const m = M - 1;
  const classes = p.catIds.map((categoryId, k) => ({
    categoryId,
    name: names.get(categoryId) ?? String(categoryId),
    curves: PR_IOUS.map((iouThreshold) => {
      const t = p.iouThrs.indexOf(iouThreshold);
      const precision = Array.from({ length: R }, (_, r) => ev.precision[(((t * R + r) * K + k) * A + 0) * M + m]);
      return { iouThreshold, precision, ap: sliceMean(ev, { ap: true, iou: t, area: 0, maxDet: m, cat: k }) };
    }),
  }));
  return { recallThresholds: p.recThrs.slice(), classes };
}

export interface VocPrCurve {
  className: string;
  /** The devkit's AP of the class (metric of the options); -1 without non-difficult objects. */
  ap: number;
  npos: number;
  /** Recall and precision after each detection in descending score order. */
  recall: number[];
  precision: number[];
}

export function vocPrCurves(gt: VocGroundTruth, detections: VocDetection[], options: VocEvalOptions): VocPrCurve[] {
  const { curves } = vocClassCurves(gt, detections, options.classes);
  return Array.from(curves.entries()).map(([className, c]) => ({
    className,
    ap: vocClassAp(c, options.metric),
    npos: c.npos,
    recall: Array.from(c.rec),
    precision: Array.from(c.prec),
  }));
}
