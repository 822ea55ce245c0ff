/**
 * What each kind of error costs in AP, in the manner of TIDE (Bolya et al., ECCV 2020), with the COCO evaluator.
 * Detections are matched by the evaluator's own matching at the foreground IoU (0.5). Each unmatched detection
 * gets one error type, tested in this order against the non-crowd boxes of its image:
 *   localisation: background IoU (0.1) <= best IoU with a box of its class < foreground IoU;
 *   classification: best IoU with a box of another class >= foreground IoU;
 *   duplicate: best IoU with a box of its class >= foreground IoU (that box was taken by a higher-scoring one);
 *   background: every IoU < background IoU;
 *   both: the rest (a box of another class at background <= IoU < foreground).
 * A box matched by no detection and not the target of a classification or localisation error is missed.
 * Each type is fixed alone and AP50 re-evaluated with evaluateCoco; the cost is fixed AP50 - AP50:
 *   classification: the detection takes the class of its box; localisation: it takes its box's coordinates — in
 *   both cases suppressed instead when the box is already found (by a match or an earlier fix);
 *   duplicate, background, both: the detection is removed; missed: the missed boxes are removed.
 */
import { evaluateCoco } from '../coco/coco_eval';
import { CocoDetections, CocoGroundTruth, DtColumns, GtColumns } from '../coco/coco_types';
import { bestOverlaps } from './overlaps';
import { byScoreDescending, gtByImage, matchDetections, selectDetections } from './coco_matches';

export const ERROR_TYPES = ['classification', 'localisation', 'both', 'duplicate', 'background', 'missed'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export interface ErrorBreakdown {
  foregroundIou: number;
  backgroundIou: number;
  /** AP at IoU 0.5 (COCO stats[1]) of the detections as they are. */
  ap50: number;
  /** Per error type: how many detections (ground-truth boxes for missed), AP50 with that type fixed, and the gain. */
  errors: Record<ErrorType, { count: number; fixedAp50: number; deltaAp50: number }>;
}

interface Classified {
  type: Array<ErrorType | null>;
  target: Int32Array;
  missed: Uint8Array;
  matchedGt: Int32Array;
}

function classify(g: CocoGroundTruth, dt: DtColumns, fg: number, bgIou: number): Classified {
  const { matchedGt } = matchDetections(g, dt, fg);
  const type: Array<ErrorType | null> = new Array(dt.count).fill(null);
  const target = new Int32Array(dt.count).fill(-1);
  const covered = new Uint8Array(g.gt.count);
  for (let d = 0; d < dt.count; d++) if (matchedGt[d] >= 0) covered[matchedGt[d]] = 1;
  const perImage = gtByImage(g);
  for (let d = 0; d < dt.count; d++) {
    if (matchedGt[d] !== -1) continue;
    const o = bestOverlaps(dt, d, g.gt, perImage[dt.image[d]]);
    if (o.sameGt >= 0 && o.sameIou >= bgIou && o.sameIou < fg) [type[d], target[d]] = ['localisation', o.sameGt];
    else if (o.otherGt >= 0 && o.otherIou >= fg) [type[d], target[d]] = ['classification', o.otherGt];
    else if (o.sameGt >= 0 && o.sameIou >= fg) type[d] = 'duplicate';
    else if (o.sameIou < bgIou && o.otherIou < bgIou) type[d] = 'background';
    else type[d] = 'both';
  }
  const missed = new Uint8Array(g.gt.count);
  const targeted = new Uint8Array(g.gt.count);
  target.forEach((b) => b >= 0 && (targeted[b] = 1));
  for (let b = 0; b < g.gt.count; b++) missed[b] = !g.gt.crowd[b] && !covered[b] && !targeted[b] ? 1 : 0;
  return { type, target, missed, matchedGt };
}

/** A copy of the detections with one error type fixed. */
function fixDetections(g: CocoGroundTruth, dt: DtColumns, c: Classified, which: ErrorType): DtColumns {
  const fixed = selectDetections(dt, () => true);
  const remove = new Uint8Array(dt.count);
  const found = new Uint8Array(g.gt.count);
  for (let d = 0; d < dt.count; d++) if (c.matchedGt[d] >= 0) found[c.matchedGt[d]] = 1;
  for (const d of byScoreDescending(dt)) {
    if (c.type[d] !== which) continue;
    const b = c.target[d];
    if (b < 0 || found[b]) {
      remove[d] = 1;
      continue;
    }
    found[b] = 1;
    if (which === 'classification') fixed.category[d] = g.gt.category[b];
    else {
      fixed.x[d] = g.gt.x[b];
      fixed.y[d] = g.gt.y[b];
      fixed.w[d] = g.gt.w[b];
      fixed.h[d] = g.gt.h[b];
    }
  }
  return selectDetections(fixed, (d) => !remove[d]);
}

function withoutBoxes(gt: GtColumns, drop: Uint8Array): GtColumns {
  const keep: number[] = [];
  for (let i = 0; i < gt.count; i++) if (!drop[i]) keep.push(i);
  const take = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(keep.length);
    keep.forEach((j, k) => (out[k] = a[j]));
    return out;
  };
  return {
    count: keep.length, id: take(gt.id), image: take(gt.image), category: take(gt.category),
    x: take(gt.x), y: take(gt.y), w: take(gt.w), h: take(gt.h), area: take(gt.area), crowd: take(gt.crowd),
  };
}

const ap50 = (g: CocoGroundTruth, dt: DtColumns) => evaluateCoco(g, { dt, unknownCategories: new Map() }, { perCategory: false }).stats[1];

export function cocoErrorBreakdown(g: CocoGroundTruth, r: CocoDetections, foregroundIou = 0.5, backgroundIou = 0.1): ErrorBreakdown {
  const c = classify(g, r.dt, foregroundIou, backgroundIou);
  const base = ap50(g, r.dt);
  const errors = {} as ErrorBreakdown['errors'];
  for (const t of ERROR_TYPES) {
    const count = t === 'missed' ? c.missed.reduce((s, v) => s + v, 0) : c.type.filter((x) => x === t).length;
    const fixedAp50 = t === 'missed' ? ap50({ ...g, gt: withoutBoxes(g.gt, c.missed) }, r.dt) : ap50(g, fixDetections(g, r.dt, c, t));
    errors[t] = { count, fixedAp50, deltaAp50: fixedAp50 - base };
  }
  return { foregroundIou, backgroundIou, ap50: base, errors };
}
