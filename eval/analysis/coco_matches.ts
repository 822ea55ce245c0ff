/**
 * The COCO evaluator's own per-image matching (matchCategory) at one IoU threshold over all areas, read back per
 * detection: which ground-truth box each detection matched. The analyses build on this instead of a second matcher.
 */
import { groupByCategoryImage } from '../coco/coco_group';
import { matchCategory } from '../coco/coco_match';
import { CocoGroundTruth, DtColumns } from '../coco/coco_types';

/** matchedGt[d]: the ground-truth column the detection matched, -1 unmatched, -2 not evaluated (beyond maxDet). */
export interface DetectionMatches {
  matchedGt: Int32Array;
}

const ALL_AREAS: [number, number][] = [[0, 1e10]];

export function matchDetections(g: CocoGroundTruth, dt: DtColumns, iouThr: number, maxDet = 100): DetectionMatches {
  const numImages = g.imageIds.length;
  const numCats = g.categories.length;
  const gtGroups = groupByCategoryImage(g.gt, numImages, numCats);
  const dtGroups = groupByCategoryImage(dt, numImages, numCats);
  const matchedGt = new Int32Array(dt.count).fill(-2);
  const settings = { iouThrs: [iouThr], areaRng: ALL_AREAS, maxDet };
  for (let cat = 0; cat < numCats; cat++) {
    const cm = matchCategory(g.gt, gtGroups, dt, dtGroups, cat, null, settings);
    for (let i = 0; i < cm.n; i++) matchedGt[cm.det[i]] = cm.gtFirst[i];
  }
  return { matchedGt };
}

/** Detection columns holding the entries i with keep(i), in order. */
export function selectDetections(dt: DtColumns, keep: (i: number) => boolean): DtColumns {
  const idx: number[] = [];
  for (let i = 0; i < dt.count; i++) if (keep(i)) idx.push(i);
  const pick = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
    const out = make(idx.length);
    idx.forEach((j, k) => (out[k] = a[j]));
    return out;
  };
  const f = (n: number) => new Float64Array(n);
  const i32 = (n: number) => new Int32Array(n);
  return {
    count: idx.length,
    image: pick(dt.image, i32),
    category: pick(dt.category, i32),
    x: pick(dt.x, f),
    y: pick(dt.y, f),
    w: pick(dt.w, f),
    h: pick(dt.h, f),
    score: pick(dt.score, f),
  };
}

/** Ground-truth column indices per image (dense image index). */
export function gtByImage(g: CocoGroundTruth): Int32Array[] {
  const lists: number[][] = g.imageIds.map(() => []);
  for (let i = 0; i < g.gt.count; i++) lists[g.gt.image[i]].push(i);
  return lists.map((l) => Int32Array.from(l));
}

/** Detection indices in descending score order (ties keep input order). */
export function byScoreDescending(dt: DtColumns): number[] {
  return Array.from({ length: dt.count }, (_, i) => i).sort((a, b) => dt.score[b] - dt.score[a] || a - b);
}
