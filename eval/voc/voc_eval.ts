/** `evaluateVoc(gt, detections, options)`: per-class AP and mAP of Pascal VOC detections, as the devkit computes them. */
import { EvalInputError } from '../eval_error';
import { numpyMean } from '../pairwise_sum';
import { areaAp, elevenPointAp } from './voc_ap';
import { matchClass } from './voc_match';
import { VOC_CLASSES, VocClassResult, VocDetection, VocEvalOptions, VocEvaluation, VocGroundTruth } from './voc_types';

export function evaluateVoc(gt: VocGroundTruth, detections: VocDetection[], options: VocEvalOptions): VocEvaluation {
  if (options.metric !== '07' && options.metric !== 'area') throw new EvalInputError(`metric must be '07' or 'area', got '${options.metric}'`);
  const classes = options.classes ?? VOC_CLASSES;
  const byClass = new Map<string, VocDetection[]>(classes.map((c) => [c, []]));
  const ignored: Record<string, number> = {};
  detections.forEach((d, i) => {
    if (!gt.objects.has(d.imageId)) throw new EvalInputError(`detection ${i} (${d.className}) names image '${d.imageId}', which is not in the image set`);
    const list = byClass.get(d.className);
    if (list) list.push(d);
    else ignored[d.className] = (ignored[d.className] ?? 0) + 1;
  });
  const ap: Record<string, number> = {};
  const perClass: Record<string, VocClassResult> = {};
  const classesWithoutGt: string[] = [];
  for (const c of classes) {
    const dets = byClass.get(c)!;
    const curve = matchClass(gt.objects, c, dets);
    const nd = dets.length;
    const value = curve.npos === 0 ? -1 : options.metric === '07' ? elevenPointAp(curve.rec, curve.prec) : areaAp(curve.rec, curve.prec);
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
