/**
 * Greedy matching of one category's detections to its ground truth, image by image (pycocotools'
 * evaluateImg): detections in stable score order cut to the largest maxDets; ground truth with the ignored
 * boxes last; per IoU threshold each detection takes the best still-free box (crowd boxes are never used up),
 * never trading a real box for an ignored one. Results are bit masks over the IoU thresholds per detection.
 */
import { sortIndicesByScore } from '../score_order';
import { boxIou } from './coco_iou';
import { GroupedBoxes } from './coco_group';
import { DtColumns, GtColumns } from './coco_types';

export interface MatchSettings {
  iouThrs: number[];
  areaRng: [number, number][];
  /** Detections kept per image and category (the largest maxDets). */
  maxDet: number;
}

/** One category's detections over the evaluated images, in image order then score order within an image. */
export interface CategoryMatches {
  n: number;
  score: Float64Array;
  /** The detection's index in the detection columns. */
  det: Int32Array;
  /** The ground-truth column index the detection matched at the first IoU threshold and area range, -1 if none. */
  gtFirst: Int32Array;
  /** Position of the detection in its image's score order (0 = best). */
  rank: Int32Array;
  /** Per area range: bit t set = true positive at IoU threshold t. */
  tp: Uint16Array[];
  /** Per area range: bit t set = ignored at threshold t (matched to an ignored box, or unmatched and outside the range). */
  ignored: Uint16Array[];
  /** Per area range: ground-truth boxes that are not ignored. */
  npig: Int32Array;
  numGt: number;
  numGtCrowd: number;
  numDetections: number;
}

/** Scratch buffers reused across images. */
class Scratch {
  dets = new Int32Array(256);
  gts = new Int32Array(64);
  iou = new Float64Array(4096);
  gtOrder = new Int32Array(64);
  gtIgnored = new Uint8Array(64);
  gtUsed = new Uint8Array(64);
  gtCrowd = new Uint8Array(64);
  rowMax = new Float64Array(256);
  fit(numDt: number, numGt: number): void {
    if (numDt > this.dets.length) {
      this.dets = new Int32Array(numDt * 2);
      this.rowMax = new Float64Array(numDt * 2);
    }
    if (numGt > this.gts.length) {
      this.gts = new Int32Array(numGt * 2);
      this.gtOrder = new Int32Array(numGt * 2);
      this.gtIgnored = new Uint8Array(numGt * 2);
      this.gtUsed = new Uint8Array(numGt * 2);
      this.gtCrowd = new Uint8Array(numGt * 2);
    }
    if (numDt * numGt > this.iou.length) this.iou = new Float64Array(numDt * numGt * 2);
  }
}

export function matchCategory(
  gt: GtColumns,
  gtGroups: GroupedBoxes,
  dt: DtColumns,
  dtGroups: GroupedBoxes,
  cat: number,
  imageSelected: Uint8Array | null,
  s: MatchSettings,
): CategoryMatches {
  const A = s.areaRng.length;
  const T = s.iouThrs.length;
  let gi = gtGroups.catStart[cat];
  const gEnd = gtGroups.catStart[cat + 1];
  let di = dtGroups.catStart[cat];
  const dEnd = dtGroups.catStart[cat + 1];
  const cap = dEnd - di;
  const out: CategoryMatches = {
    n: 0,
    score: new Float64Array(cap),
    det: new Int32Array(cap),
    gtFirst: new Int32Array(cap).fill(-1),
    rank: new Int32Array(cap),
    tp: Array.from({ length: A }, () => new Uint16Array(cap)),
    ignored: Array.from({ length: A }, () => new Uint16Array(cap)),
    npig: new Int32Array(A),
    numGt: 0,
    numGtCrowd: 0,
    numDetections: 0,
  };
  const sc = new Scratch();
  const gOrder = gtGroups.order;
  const dOrder = dtGroups.order;
  while (gi < gEnd || di < dEnd) {
    const gImg = gi < gEnd ? gt.image[gOrder[gi]] : Infinity;
    const dImg = di < dEnd ? dt.image[dOrder[di]] : Infinity;
    const img = Math.min(gImg, dImg);
    let g1 = gi;
    while (g1 < gEnd && gt.image[gOrder[g1]] === img) g1++;
    let d1 = di;
    while (d1 < dEnd && dt.image[dOrder[d1]] === img) d1++;
    if (!imageSelected || imageSelected[img]) {
      matchImage(gt, gOrder, gi, g1 - gi, dt, dOrder, di, d1 - di, s, A, T, sc, out);
    }
    gi = g1;
    di = d1;
  }
  return out;
}

function matchImage(
  gt: GtColumns, gOrder: Int32Array, g0: number, G: number,
  dt: DtColumns, dOrder: Int32Array, d0: number, D0: number,
  s: MatchSettings, A: number, T: number, sc: Scratch, out: CategoryMatches,
): void {
  sc.fit(D0, G);
  const gts = sc.gts;
  const dets = sc.dets;
  for (let j = 0; j < G; j++) {
    gts[j] = gOrder[g0 + j];
    if (gt.crowd[gts[j]]) out.numGtCrowd++;
    else out.numGt++;
  }
  for (let j = 0; j < D0; j++) dets[j] = dOrder[d0 + j];
  out.numDetections += D0;
  sortIndicesByScore(dets, D0, dt.score);
  const D = Math.min(D0, s.maxDet);
  const iou = sc.iou;
  if (D > 0 && G > 0) boxIou(dt, dets, D, gt, gts, G, iou);
  const base = out.n;
  for (let d = 0; d < D; d++) {
    out.score[base + d] = dt.score[dets[d]];
    out.rank[base + d] = d;
    out.det[base + d] = dets[d];
  }
  out.n += D;
  if (G === 0) {
    // nothing to match: a detection is ignored exactly where its own area is outside the range
    const all = (1 << T) - 1;
    for (let d = 0; d < D; d++) {
      const da = dt.w[dets[d]] * dt.h[dets[d]];
      for (let a = 0; a < A; a++) if (da < s.areaRng[a][0] || da > s.areaRng[a][1]) out.ignored[a][base + d] = all;
    }
    return;
  }
  const order = sc.gtOrder;
  const gIg = sc.gtIgnored;
  const used = sc.gtUsed;
  const crowd = sc.gtCrowd;
  const rowMax = sc.rowMax;
  for (let d = 0; d < D; d++) {
    let mx = 0;
    for (let g = 0; g < G; g++) if (iou[d * G + g] > mx) mx = iou[d * G + g];
    rowMax[d] = mx;
  }
  for (let a = 0; a < A; a++) {
    const lo = s.areaRng[a][0];
    const hi = s.areaRng[a][1];
    // ground truth: not ignored first, each group in input order
    let k = 0;
    for (let j = 0; j < G; j++) {
      const ar = gt.area[gts[j]];
      if (!(gt.crowd[gts[j]] || ar < lo || ar > hi)) order[k++] = j;
    }
    out.npig[a] += k;
    for (let j = 0; j < G; j++) {
      const ar = gt.area[gts[j]];
      if (gt.crowd[gts[j]] || ar < lo || ar > hi) order[k++] = j;
    }
    for (let j = 0; j < G; j++) {
      crowd[j] = gt.crowd[gts[order[j]]];
      const ar = gt.area[gts[order[j]]];
      gIg[j] = crowd[j] || ar < lo || ar > hi ? 1 : 0;
    }
    const tpBits = out.tp[a];
    const igBits = out.ignored[a];
    for (let t = 0; t < T; t++) {
      used.fill(0, 0, G);
      const bit = 1 << t;
      const start = Math.min(s.iouThrs[t], 1 - 1e-10);
      for (let d = 0; d < D; d++) {
        let m = -1;
        if (rowMax[d] >= start) {
          // rowMax < start would leave the detection unmatched: every IoU is below the starting bar
          let best = start;
          const row = d * G;
          for (let j = 0; j < G; j++) {
            if (used[j] && !crowd[j]) continue;
            if (m > -1 && gIg[m] === 0 && gIg[j] === 1) break;
            const v = iou[row + order[j]];
            if (v < best) continue;
            best = v;
            m = j;
          }
        }
        if (m === -1) {
          const da = dt.w[dets[d]] * dt.h[dets[d]];
          if (da < lo || da > hi) igBits[base + d] |= bit;
        } else {
          used[m] = 1;
          if (t === 0 && a === 0) out.gtFirst[base + d] = gts[order[m]];
          if (gIg[m]) igBits[base + d] |= bit;
          else tpBits[base + d] |= bit;
        }
      }
    }
  }
}
