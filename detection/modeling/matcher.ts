/**
 * Assigns each prediction (anchor or proposal) to a ground-truth box, as torchvision's detection `Matcher`:
 * from a quality matrix [M gt, N predictions] (usually IoU), each prediction takes its best gt (first on ties);
 * quality < lowThreshold → BELOW_LOW_THRESHOLD (-1, background), lowThreshold <= quality < highThreshold →
 * BETWEEN_THRESHOLDS (-2, ignored). With allowLowQualityMatches, every prediction that reaches some gt's
 * highest quality (ties included) keeps its best match even below the thresholds, so no gt is left unmatched
 * (Faster R-CNN's RPN rule).
 *
 * Bad input: no gt (M = 0) is an error, as in torchvision (training needs at least one box per image; an
 * image without boxes must be handled by the caller); NaN qualities are an error; lowThreshold >
 * highThreshold is an error. N = 0 gives an empty result.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeHostLoops } from '../../engine/native/host_loops';

export const BELOW_LOW_THRESHOLD = -1;
export const BETWEEN_THRESHOLDS = -2;

export class Matcher {
  constructor(
    readonly highThreshold: number,
    readonly lowThreshold: number,
    readonly allowLowQualityMatches = false,
  ) {
    if (!(lowThreshold <= highThreshold)) {
      throw new Error(`Matcher: lowThreshold (${lowThreshold}) must be <= highThreshold (${highThreshold})`);
    }
  }

  /** Per prediction: matched gt index, or -1 (below low) / -2 (between thresholds). [N] int32. */
  match(quality: tf.Tensor2D): tf.Tensor1D {
    if (quality.rank !== 2) throw new Error(`Matcher: quality must be [M gt, N predictions], got [${quality.shape}]`);
    const [M, N] = quality.shape;
    return tf.tensor1d(this.matchArray(quality.dataSync(), M, N), 'int32');
  }

  /** The same on a row-major [M,N] array. */
  matchArray(q: ArrayLike<number>, M: number, N: number): Int32Array {
    if (M === 0) throw new Error('Matcher: no ground-truth boxes for this image (M = 0); filter such images out first');
    if (q.length !== M * N) throw new Error(`Matcher: ${q.length} values for a [${M}, ${N}] matrix`);
    const native = q instanceof Float32Array ? nativeHostLoops() : null;
    if (native) {
      const out = new Int32Array(N);
      const nan = native.matchQuality(q as Float32Array, M, N, this.lowThreshold, this.highThreshold, this.allowLowQualityMatches, out);
      if (nan >= 0) throw new Error(`Matcher: quality [${Math.floor(nan / N)}, ${nan % N}] is NaN`);
      return out;
    }
    for (let i = 0; i < q.length; i++) if (Number.isNaN(q[i])) throw new Error(`Matcher: quality [${Math.floor(i / N)}, ${i % N}] is NaN`);
    const best = new Int32Array(N);
    const bestVal = new Float64Array(N).fill(-Infinity);
    for (let g = 0; g < M; g++) {
      for (let p = 0; p < N; p++) {
        if (q[g * N + p] > bestVal[p] || g === 0) {
          bestVal[p] = q[g * N + p];
          best[p] = g;
        }
      }
    }
    const out = Int32Array.from(best);
    for (let p = 0; p < N; p++) {
      if (bestVal[p] < this.lowThreshold) out[p] = BELOW_LOW_THRESHOLD;
      else if (bestVal[p] < this.highThreshold) out[p] = BETWEEN_THRESHOLDS;
    }
    if (this.allowLowQualityMatches) {
      for (let g = 0; g < M; g++) {
        let top = -Infinity;
        for (let p = 0; p < N; p++) top = Math.max(top, q[g * N + p]);
        for (let p = 0; p < N; p++) if (q[g * N + p] === top) out[p] = best[p];
      }
    }
    return out;
  }
}
