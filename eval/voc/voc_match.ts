/**
 * One class of the devkit procedure (py-faster-rcnn voc_eval): detections in descending score order each take the
 * object of their class in their image with the largest IoU (+1 pixel convention, first on ties). IoU > 0.5 on a
 * difficult object: neither TP nor FP; on a free object: TP; on a taken one: FP. Anything else is an FP.
 */
import { VocBox, VocDetection, VocObject } from './voc_types';

export interface ClassCurve {
  npos: number;
  numDifficult: number;
  /** Cumulative recall and precision after each detection, in score order. */
  rec: Float64Array;
  prec: Float64Array;
}

const EPS = 2.220446049250313e-16; // np.finfo(np.float64).eps

/** IoU of box b with object box g, in voc_eval's arithmetic order. */
export function vocIou(b: VocBox, g: VocBox): number {
  const iw = Math.max(Math.min(g[2], b[2]) - Math.max(g[0], b[0]) + 1, 0);
  const ih = Math.max(Math.min(g[3], b[3]) - Math.max(g[1], b[1]) + 1, 0);
  const inters = iw * ih;
  const uni = (b[2] - b[0] + 1) * (b[3] - b[1] + 1) + (g[2] - g[0] + 1) * (g[3] - g[1] + 1) - inters;
  return inters / uni;
}

/** Stable descending score order (ties keep input order). */
function byScore(dets: VocDetection[]): VocDetection[] {
  return dets
    .map((d, i) => ({ d, i }))
    .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
    .map((x) => x.d);
}

export function matchClass(objectsByImage: Map<string, VocObject[]>, className: string, dets: VocDetection[], ovthresh = 0.5): ClassCurve {
  const recs = new Map<string, { objs: VocObject[]; taken: Uint8Array }>();
  let npos = 0;
  let numDifficult = 0;
  for (const [image, objs] of objectsByImage) {
    const mine = objs.filter((o) => o.name === className);
    for (const o of mine) o.difficult ? numDifficult++ : npos++;
    recs.set(image, { objs: mine, taken: new Uint8Array(mine.length) });
  }
  const sorted = byScore(dets);
  const nd = sorted.length;
  const rec = new Float64Array(nd);
  const prec = new Float64Array(nd);
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < nd; k++) {
    const d = sorted[k];
    const r = recs.get(d.imageId)!;
    let ovmax = -Infinity;
    let jmax = -1;
    for (let j = 0; j < r.objs.length; j++) {
      const o = vocIou(d.box, r.objs[j].box);
      if (o > ovmax) {
        ovmax = o;
        jmax = j;
      }
    }
    if (ovmax > ovthresh) {
      if (!r.objs[jmax].difficult) {
        if (!r.taken[jmax]) {
          tp++;
          r.taken[jmax] = 1;
        } else fp++;
      }
    } else fp++;
    rec[k] = tp / npos;
    prec[k] = tp / Math.max(tp + fp, EPS);
  }
  return { npos, numDifficult, rec, prec };
}
