/**
 * The 12 summary numbers of pycocotools' summarize() and the per-category figures, each the numpy mean of the
 * entries > -1 of a slice of precision or recall (-1 when there are none). Stat 0 is read at maxDets 100 whatever
 * the maxDets are (pycocotools' quirk); the others use maxDets[0..2].
 */
import { numpyMean } from '../pairwise_sum';
import { CocoAccumulation, ResolvedParams } from './coco_types';

export interface SliceSpec {
  ap: boolean;
  /** IoU threshold index, or null for all. */
  iou: number | null;
  area: number;
  /** maxDets index, or -1 when the requested maxDets is not a parameter (the slice is empty). */
  maxDet: number;
  /** Category index, or null for all. */
  cat: number | null;
}

/** Mean over the slice's entries > -1 in numpy's C order (t, r, k for precision; t, k for recall). */
export function sliceMean(acc: CocoAccumulation, s: SliceSpec): number {
  const { T, R, K, A, M } = acc.dims;
  if (s.maxDet < 0) return -1;
  const ts = s.iou === null ? [...Array(T).keys()] : [s.iou];
  const ks = s.cat === null ? [...Array(K).keys()] : [s.cat];
  const vals: number[] = [];
  for (const t of ts) {
    if (s.ap) {
      for (let r = 0; r < R; r++) {
        for (const k of ks) {
          const v = acc.precision[(((t * R + r) * K + k) * A + s.area) * M + s.maxDet];
          if (v > -1) vals.push(v);
        }
      }
    } else {
      for (const k of ks) {
        const v = acc.recall[((t * K + k) * A + s.area) * M + s.maxDet];
        if (v > -1) vals.push(v);
      }
    }
  }
  return vals.length ? numpyMean(vals) : -1;
}

export interface StatLine {
  ap: boolean;
  iouThr: number | null;
  area: string;
  maxDets: number;
}

/** The 12 lines of summarize(), in order. */
export function statLines(p: ResolvedParams): StatLine[] {
  const [m0, m1, m2] = p.maxDets;
  const line = (ap: boolean, iouThr: number | null, area: string, maxDets: number): StatLine => ({ ap, iouThr, area, maxDets });
  return [
    line(true, null, 'all', 100),
    line(true, 0.5, 'all', m2),
    line(true, 0.75, 'all', m2),
    line(true, null, 'small', m2),
    line(true, null, 'medium', m2),
    line(true, null, 'large', m2),
    line(false, null, 'all', m0),
    line(false, null, 'all', m1),
    line(false, null, 'all', m2),
    line(false, null, 'small', m2),
    line(false, null, 'medium', m2),
    line(false, null, 'large', m2),
  ];
}

export function lineSpec(p: ResolvedParams, l: StatLine, cat: number | null): SliceSpec {
  const iou = l.iouThr === null ? null : p.iouThrs.indexOf(l.iouThr);
  return { ap: l.ap, iou: iou === -1 ? null : iou, area: p.areaRngLbl.indexOf(l.area), maxDet: p.maxDets.indexOf(l.maxDets), cat };
}

export function summarizeStats(acc: CocoAccumulation, p: ResolvedParams): number[] {
  return statLines(p).map((l) => {
    const spec = lineSpec(p, l, null);
    if (l.iouThr !== null && spec.iou === null) return -1; // a threshold that is not a parameter: empty slice
    return sliceMean(acc, spec);
  });
}
