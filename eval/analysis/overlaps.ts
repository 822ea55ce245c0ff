/** The best overlap of one detection with the ground truth of its image, split by same and other class. */
import { boxIou } from '../coco/coco_iou';
import { DtColumns, GtColumns } from '../coco/coco_types';

export interface BestOverlaps {
  /** Highest IoU with a non-crowd box of the detection's class, and that box's column (-1 if none). */
  sameIou: number;
  sameGt: number;
  /** Highest IoU with a non-crowd box of another class, and that box's column (-1 if none). */
  otherIou: number;
  otherGt: number;
}

/** Among the ground-truth columns `candidates` (the detection's image), skipping those with skip(g). */
export function bestOverlaps(dt: DtColumns, d: number, gt: GtColumns, candidates: Int32Array, skip: (g: number) => boolean = () => false): BestOverlaps {
  const iou = new Float64Array(candidates.length);
  boxIou(dt, Int32Array.of(d), 1, gt, candidates, candidates.length, iou);
  const out: BestOverlaps = { sameIou: 0, sameGt: -1, otherIou: 0, otherGt: -1 };
  candidates.forEach((g, j) => {
    if (gt.crowd[g] || skip(g)) return;
    if (gt.category[g] === dt.category[d]) {
      if (out.sameGt < 0 || iou[j] > out.sameIou) {
        out.sameIou = iou[j];
        out.sameGt = g;
      }
    } else if (out.otherGt < 0 || iou[j] > out.otherIou) {
      out.otherIou = iou[j];
      out.otherGt = g;
    }
  });
  return out;
}
