/**
 * A detection confusion matrix at a score threshold: rows are the predicted class, columns the true class, each
 * with a last "background" entry. Detections with score >= threshold are matched by the COCO evaluator's own
 * matching at IoU 0.5 (class-aware): a match is a diagonal count. A detection left unmatched that overlaps a not yet
 * found box of another class at IoU >= 0.5 (highest-scoring detections first) counts [predicted][true] and that box
 * counts as found; any other unmatched detection counts [predicted][background]. A box no detection found counts
 * [background][true]. Crowd boxes, and detections matched to them, are not counted.
 */
import { CocoGroundTruth, CocoDetections } from '../coco/coco_types';
import { bestOverlaps } from './overlaps';
import { byScoreDescending, gtByImage, matchDetections, selectDetections } from './coco_matches';

export interface ConfusionMatrix {
  scoreThreshold: number;
  iouThreshold: number;
  /** The class names, then "background"; indices of rows and columns. */
  labels: string[];
  categoryIds: number[];
  /** matrix[predicted][true], (classes + 1) x (classes + 1). */
  matrix: number[][];
}

export function cocoConfusionMatrix(g: CocoGroundTruth, r: CocoDetections, scoreThreshold: number, iouThreshold = 0.5): ConfusionMatrix {
  const K = g.categories.length;
  const bg = K;
  const matrix = Array.from({ length: K + 1 }, () => new Array<number>(K + 1).fill(0));
  const dt = selectDetections(r.dt, (i) => r.dt.score[i] >= scoreThreshold);
  const { matchedGt } = matchDetections(g, dt, iouThreshold);
  const found = new Uint8Array(g.gt.count);
  for (let d = 0; d < dt.count; d++) {
    const m = matchedGt[d];
    if (m < 0 || g.gt.crowd[m]) continue;
    matrix[dt.category[d]][dt.category[d]]++;
    found[m] = 1;
  }
  const perImage = gtByImage(g);
  for (const d of byScoreDescending(dt)) {
    if (matchedGt[d] !== -1) continue;
    const o = bestOverlaps(dt, d, g.gt, perImage[dt.image[d]], (b) => found[b] === 1);
    if (o.otherGt >= 0 && o.otherIou >= iouThreshold) {
      matrix[dt.category[d]][g.gt.category[o.otherGt]]++;
      found[o.otherGt] = 1;
    } else matrix[dt.category[d]][bg]++;
  }
  for (let b = 0; b < g.gt.count; b++) if (!g.gt.crowd[b] && !found[b]) matrix[bg][g.gt.category[b]]++;
  return {
    scoreThreshold,
    iouThreshold,
    labels: [...g.categories.map((c) => c.name), 'background'],
    categoryIds: g.categories.map((c) => c.id),
    matrix,
  };
}
