/**
 * Balanced positive/negative sampling of training examples per image, as torchvision's
 * `BalancedPositiveNegativeSampler`: labels >= 1 (a class, or foreground) are positives, 0 negatives,
 * anything else (ignored, -1) neither. Takes up to floor(batchSizePerImage * positiveFraction) positives at random,
 * and fills the rest of the batch with random negatives (fewer when there are not enough). Seeded: the
 * draws come from engine/rng.ts's Rng, so a run is reproducible (and resumable from `rng.state()`).
 */
import { Rng } from '../../engine/rng';

/**
 * The random stream of a batch's sampling: one for all its images (drawn in image order), or one per image
 * (the trainer's: `Rng.stream(seed, 'sampling', step, image)`, so that an image is sampled the same whichever
 * process of a data-parallel job takes it and whatever else is in its batch).
 */
export type SamplingRng = Rng | Rng[];

/** The stream image `img` of a batch draws from. */
export function rngFor(rng: SamplingRng, img: number): Rng {
  if (!Array.isArray(rng)) return rng;
  const r = rng[img];
  if (!r) throw new Error(`sampling: no random stream for image ${img} (${rng.length} given)`);
  return r;
}

export interface SampledMasks {
  /** 1 where the example is a sampled positive */
  positive: Uint8Array;
  /** 1 where the example is a sampled negative */
  negative: Uint8Array;
}

export class BalancedPositiveNegativeSampler {
  readonly rng: Rng;

  constructor(
    readonly batchSizePerImage: number,
    readonly positiveFraction: number,
    rng: Rng | number = 0,
  ) {
    if (!(Number.isInteger(batchSizePerImage) && batchSizePerImage > 0)) {
      throw new Error(`BalancedPositiveNegativeSampler: batchSizePerImage must be a positive integer, got ${batchSizePerImage}`);
    }
    if (!(positiveFraction >= 0 && positiveFraction <= 1)) {
      throw new Error(`BalancedPositiveNegativeSampler: positiveFraction must be in [0, 1], got ${positiveFraction}`);
    }
    this.rng = typeof rng === 'number' ? new Rng(rng) : rng;
  }

  /** k distinct random members of `pool` (partial Fisher–Yates), in draw order. */
  private pick(pool: Int32Array, k: number): Int32Array {
    for (let i = 0; i < k; i++) {
      const j = i + this.rng.int(pool.length - i);
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
    }
    return pool.subarray(0, k);
  }

  /** One pair of masks per image; `labels[i]` holds the per-example labels of image i. */
  sample(labels: ArrayLike<number>[]): SampledMasks[] {
    return labels.map((l) => {
      // typed index lists: an RPN image has ~20k anchors, and growing JS arrays cost more than the draws
      let nPos = 0;
      let nNeg = 0;
      for (let i = 0; i < l.length; i++) {
        if (Number.isNaN(l[i])) throw new Error(`BalancedPositiveNegativeSampler: label ${i} is NaN`);
        if (l[i] >= 1) nPos++;
        else if (l[i] === 0) nNeg++;
      }
      const pos = new Int32Array(nPos);
      const neg = new Int32Array(nNeg);
      for (let i = 0, p = 0, n = 0; i < l.length; i++) {
        if (l[i] >= 1) pos[p++] = i;
        else if (l[i] === 0) neg[n++] = i;
      }
      const numPos = Math.min(Math.floor(this.batchSizePerImage * this.positiveFraction), nPos);
      const numNeg = Math.min(this.batchSizePerImage - numPos, nNeg);
      const positive = new Uint8Array(l.length);
      const negative = new Uint8Array(l.length);
      for (const i of this.pick(pos, numPos)) positive[i] = 1;
      for (const i of this.pick(neg, numNeg)) negative[i] = 1;
      return { positive, negative };
    });
  }
}
