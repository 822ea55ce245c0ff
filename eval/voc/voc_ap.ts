/**
 * Average precision from a class's cumulative recall and precision, as the devkit (py-faster-rcnn voc_ap) computes
 * it: the VOC2007 11-point interpolation, or the area under the precision envelope (VOC2010 and later).
 */
import { numpySum } from '../pairwise_sum';

/** numpy.arange(0, 1.1, 0.1): i * 0.1, so 0.30000000000000004 and friends. */
const ELEVEN_POINTS = Array.from({ length: 11 }, (_, i) => i * 0.1);

/** Mean over t in {0, 0.1, …, 1} of the best precision at recall >= t (0 where no recall reaches t). */
export function elevenPointAp(rec: Float64Array, prec: Float64Array): number {
  let ap = 0;
  for (const t of ELEVEN_POINTS) {
    let p = 0;
    let any = false;
    for (let i = 0; i < rec.length; i++) {
      if (rec[i] >= t) {
        if (!any || prec[i] > p) p = prec[i];
        any = true;
      }
    }
    ap = ap + p / 11;
  }
  return ap;
}

/** Sum of recall steps times the precision envelope (precision made non-increasing from the right). */
export function areaAp(rec: Float64Array, prec: Float64Array): number {
  const n = rec.length;
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  mrec.set(rec, 1);
  mrec[n + 1] = 1;
  mpre.set(prec, 1);
  for (let i = n + 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
  const terms: number[] = [];
  for (let i = 0; i < n + 1; i++) if (mrec[i + 1] !== mrec[i]) terms.push((mrec[i + 1] - mrec[i]) * mpre[i + 1]);
  return numpySum(terms);
}
