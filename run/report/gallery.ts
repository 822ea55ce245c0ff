/**
 * The gallery's images with their ground truth and detections, matched by the COCO evaluator's own matching at
 * IoU 0.5 (eval/analysis/coco_matches.ts). Greedy matching in score order means a detection's match does not
 * depend on the detections below it, so one matching serves every score threshold: at threshold t an image's
 * errors are its unmatched detections scoring >= t plus its boxes whose matching detection scores < t (or that
 * nothing matched). The page's slider recomputes them from these fields alone.
 */
import { byScoreDescending, matchDetections } from '../../eval/analysis/coco_matches';
import { CocoDetections, CocoGroundTruth } from '../../eval/coco/coco_types';

export const MATCH_IOU = 0.5;

/** Detection status at IoU 0.5. */
export const enum DetStatus {
  FalsePositive = 0,
  Matched = 1,
  /** matched a crowd region, or beyond the evaluator's 100 detections per image: neither right nor wrong */
  Ignored = 2,
}

export interface GalleryImage {
  /** the image file (resdet's `path` in ground_truth.json) */
  file: string;
  imageId: number;
  width: number;
  height: number;
  /** [x, y, w, h, class index, score of the detection that found it (-1: none), crowd 0 | 1] */
  gt: number[][];
  /** [x, y, w, h, class index, score, DetStatus], highest score first */
  dets: number[][];
}

export interface ImageInfo {
  id: number;
  width?: number;
  height?: number;
  file_name?: string;
  path?: string;
}

const round = (v: number) => Math.round(v * 10) / 10;

function detStatus(matched: number, crowd: Uint8Array): DetStatus {
  if (matched === -1) return DetStatus.FalsePositive;
  if (matched === -2 || crowd[matched]) return DetStatus.Ignored;
  return DetStatus.Matched;
}

export function galleryImages(g: CocoGroundTruth, r: CocoDetections, images: ImageInfo[]): GalleryImage[] {
  const info = new Map(images.map((im) => [im.id, im]));
  const out: GalleryImage[] = g.imageIds.map((id) => {
    const im = info.get(id);
    return { file: im?.path ?? im?.file_name ?? String(id), imageId: id, width: im?.width ?? 0, height: im?.height ?? 0, gt: [], dets: [] };
  });
  const gt = g.gt;
  const dt = r.dt;
  const foundBy = new Float64Array(gt.count).fill(-1);
  const { matchedGt } = matchDetections(g, dt, MATCH_IOU);
  for (const d of byScoreDescending(dt)) {
    const status = detStatus(matchedGt[d], gt.crowd);
    if (status === DetStatus.Matched) foundBy[matchedGt[d]] = dt.score[d];
    out[dt.image[d]].dets.push([round(dt.x[d]), round(dt.y[d]), round(dt.w[d]), round(dt.h[d]), dt.category[d], Math.round(dt.score[d] * 1e4) / 1e4, status]);
  }
  for (let i = 0; i < gt.count; i++) {
    out[gt.image[i]].gt.push([round(gt.x[i]), round(gt.y[i]), round(gt.w[i]), round(gt.h[i]), gt.category[i], Math.round(foundBy[i] * 1e4) / 1e4, gt.crowd[i]]);
  }
  return out;
}

/** False positives and missed boxes of an image at score threshold t (what the page sorts by). */
export function errorsAt(im: GalleryImage, t: number): { falsePositives: number; missed: number } {
  const falsePositives = im.dets.filter((d) => d[5] >= t && d[6] === DetStatus.FalsePositive).length;
  const missed = im.gt.filter((b) => !b[6] && b[5] < t).length;
  return { falsePositives, missed };
}
