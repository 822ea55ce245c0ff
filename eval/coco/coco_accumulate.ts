/**
 * Precision/recall per category, area range and maxDets (pycocotools' accumulate): the category's detections of
 * all images, each image cut to maxDets, stably sorted by score; cumulative TP/FP over detections that are not
 * ignored; recall = tp/npig, precision = tp/(tp+fp+eps) made non-increasing from the right and read at the
 * recall thresholds with a left binary search (0 past the last recall).
 *
 * Only true positives raise precision, so the right-to-left maximum at any point is the maximum over the true
 * positives from there on, and the left search for a recall threshold always lands on a true positive (the k-th,
 * for the smallest k with k/npig >= threshold). Precision is therefore computed at true positives only — the same
 * divisions of the same numbers, so the same doubles — which makes this pass cheap.
 */
import { stableDescendingOrder } from '../score_order';
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
  if (!cm.npig.some((n) => n > 0)) return;
  const sorted = stableDescendingOrder(cm.score, cm.n); // ties keep image order, then rank
  // per (maxDets, area): detections that are a false positive at every threshold collapse into counts, those
  // ignored at every threshold drop out
  const tpSel = new Uint16Array(cm.n);
  const igSel = new Uint16Array(cm.n);
  const fpBefore = new Int32Array(cm.n);
  const prAtTp = new Float64Array(cm.n + 1);
  const allT = (1 << T) - 1;
  for (let m = 0; m < M; m++) {
    for (let a = 0; a < A; a++) {
      const npig = cm.npig[a];
      if (npig === 0) continue;
      const tpBits = cm.tp[a];
      const igBits = cm.ignored[a];
      let nd = 0;
      let ns = 0;
      let pendingFp = 0;
      for (let i = 0; i < cm.n; i++) {
        const j = sorted[i];
        if (cm.rank[j] >= maxDets[m]) continue;
        nd++;
        if (tpBits[j] === 0 && igBits[j] === 0) pendingFp++;
        else if (tpBits[j] === 0 && igBits[j] === allT) continue; // ignored at every threshold: no effect
        else {
          tpSel[ns] = tpBits[j];
          igSel[ns] = igBits[j];
          fpBefore[ns++] = pendingFp;
          pendingFp = 0;
        }
      }
      for (let t = 0; t < T; t++) {
        const bit = 1 << t;
        let tp = 0;
        let fp = 0;
        for (let i = 0; i < ns; i++) {
          fp += fpBefore[i];
          if (tpSel[i] & bit) {
            tp++;
            prAtTp[tp - 1] = tp / (fp + tp + EPS);
          } else if (!(igSel[i] & bit)) fp++;
        }
        acc.recall[((t * K + k) * A + a) * M + m] = nd ? tp / npig : 0;
        for (let i = tp - 1; i > 0; i--) if (prAtTp[i] > prAtTp[i - 1]) prAtTp[i - 1] = prAtTp[i];
        let need = 1; // smallest k >= 1 with k / npig >= threshold
        for (let r = 0; r < R; r++) {
          while (need <= tp && need / npig < recThrs[r]) need++;
          acc.precision[(((t * R + r) * K + k) * A + a) * M + m] = need <= tp ? prAtTp[need - 1] : 0;
        }
      }
    }
  }
}
