/** `evaluateVoc(gt, detections, options)`: per-class AP and mAP of Pascal VOC detections, as the devkit computes them. */
import { EvalInputError } from '../eval_error';
import { numpyMean } from '../pairwise_sum';
import { areaAp, elevenPointAp } from './voc_ap';
import { ClassCurve, matchClass } from './voc_match';
import { VOC_CLASSES, VocClassResult, VocDetection, VocEvalOptions, VocEvaluation, VocGroundTruth, VocMetric } from './voc_types';

/** Each class's devkit curve (matchClass) and the detections of classes not evaluated, by class name. */
export function vocClassCurves(gt: VocGroundTruth, detections: VocDetection[], classes: string[] = VOC_CLASSES): { curves: Map<string, ClassCurve>; ignored: Record<string, number>; counts: Map<string, number> } {
  const byClass = new Map<string, VocDetection[]>(classes.map((c) => [c, []]));
  const ignored: Record<string, number> = {};
  detections.forEach((d, i) => {
    if (!gt.objects.has(d.imageId)) throw new EvalInputError(`detection ${i} (${d.className}) names image '${d.imageId}', which is not in the image set`);
    const list = byClass.get(d.className);
    if (list) list.push(d);
    else ignored[d.className] = (ignored[d.className] ?? 0) + 1;
  });
  const curves = new Map(classes.map((c) => [c, matchClass(gt.objects, c, byClass.get(c)!)]));
  const counts = new Map(classes.map((c) => [c, byClass.get(c)!.length]));
  return { curves, ignored, counts };
}

/** The devkit's AP of one class curve, -1 without non-difficult objects. */
export function vocClassAp(curve: ClassCurve, metric: VocMetric): number {
  return curve.npos === 0 ? -1 : metric === '07' ? elevenPointAp(curve.rec, curve.prec) : areaAp(curve.rec, curve.prec);
}

export function evaluateVoc(gt: VocGroundTruth, detections: VocDetection[], options: VocEvalOptions): VocEvaluation {
  if (options.metric !== '07' && options.metric !== 'area') throw new EvalInputError(`metric must be '07' or 'area', got '${options.metric}'`);
  const classes = options.classes ?? VOC_CLASSES;
  const { curves, ignored, counts } = vocClassCurves(gt, detections, classes);
  const ap: Record<string, number> = {};
  const perClass: Record<string, VocClassResult> = {};
  const classesWithoutGt: string[] = [];
  for (const c of classes) {
    const curve = curves.get(c)!;
    const nd = counts.get(c)!;
    const value = vocClassAp(curve, options.metric);
    if (curve.npos === 0) classesWithoutGt.push(c);
    ap[c] = value;
    perClass[c] = {
      ap: value,
      npos: curve.npos,
      numDifficult: curve.numDifficult,
      numDetections: nd,
      finalRecall: curve.npos === 0 ? -1 : nd ? curve.rec[nd - 1] : 0,
      finalPrecision: nd ? curve.prec[nd - 1] : null,
    };
  }
  const counted = classes.filter((c) => ap[c] > -1).map((c) => ap[c]);
  return { metric: options.metric, map: counted.length ? numpyMean(counted) : -1, ap, perClass, classesWithoutGt, ignoredDetections: ignored };
}
