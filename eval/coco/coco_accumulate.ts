/**
 * Precision/recall per category, area range and maxDets (pycocotools' accumulate): the category's detections of
 * all images, each image cut to maxDets, stably sorted by score; cumulative TP/FP over detections that are not
 * ignored; precision made non-increasing from the right and read at the recall thresholds.
 */
import { CategoryMatches } from './coco_match';
import { CocoAccumulation } from './coco_types';

const EPS = 2.220446049250313e-16; // np.spacing(1)

export function newAccumulation(T: number, R: number, K: number, A: number, M: number): CocoAccumulation {
  return {
    precision: new Float64Array(T * R * K * A * M).fill(-1),
    recall: new Float64Array(T * K * A * M).fill(-1),
    dims: { T, R, K, A, M },
  };
}

/** Fills category k's entries of acc from its matches. Categories without unignored ground truth stay -1. */
export function accumulateCategory(cm: CategoryMatches, k: number, recThrs: number[], maxDets: number[], acc: CocoAccumulation): void {
  const { T, R, K, A, M } = acc.dims;
  // stable descending score order over the concatenation (image order, then rank)
  const all = new Int32Array(cm.n);
  for (let i = 0; i < cm.n; i++) all[i] = i;
  const sorted = Int32Array.from(Array.from(all).sort((a, b) => cm.score[b] - cm.score[a] || a - b));
  const sel = new Int32Array(cm.n);
  const rc = new Float64Array(cm.n);
  const pr = new Float64Array(cm.n);
  for (let m = 0; m < M; m++) {
    let nd = 0;
    for (let i = 0; i < cm.n; i++) if (cm.rank[sorted[i]] < maxDets[m]) sel[nd++] = sorted[i];
    for (let a = 0; a < A; a++) {
      const npig = cm.npig[a];
      if (npig === 0) continue;
      const tpBits = cm.tp[a];
      const igBits = cm.ignored[a];
      for (let t = 0; t < T; t++) {
        const bit = 1 << t;
        let tp = 0;
        let fp = 0;
        for (let i = 0; i < nd; i++) {
          const j = sel[i];
          if (tpBits[j] & bit) tp++;
          else if (!(igBits[j] & bit)) fp++;
          rc[i] = tp / npig;
          pr[i] = tp / (fp + tp + EPS);
        }
        acc.recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0;
        for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        let i = 0;
        for (let r = 0; r < R; r++) {
          const thr = recThrs[r];
          while (i < nd && rc[i] < thr) i++; // searchsorted(rc, thr, side='left')
          acc.precision[(((t * R + r) * K + k) * A + a) * M + m] = i < nd ? pr[i] : 0;
        }
      }
    }
  }
}
