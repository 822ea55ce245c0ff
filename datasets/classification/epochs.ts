/** Splitting one epoch of a dataset into batches of indices. */
import { Rng } from '../../engine/rng';

export interface EpochOptions {
  /** drop a final batch smaller than batchSize (default false) */
  dropLast?: boolean;
}

/**
 * Index batches covering 0..size-1 once: shuffled with rng (advancing its state), or in order when rng
 * is null (evaluation).
 */
export function epochBatches(size: number, batchSize: number, rng: Rng | null, opts: EpochOptions = {}): Int32Array[] {
  if (!Number.isInteger(size) || size < 0) throw new Error(`epochBatches: size must be a non-negative integer, got ${size}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`epochBatches: batchSize must be a positive integer, got ${batchSize}`);
  let order: Int32Array;
  if (rng) order = rng.permutation(size);
  else order = Int32Array.from({ length: size }, (_, i) => i);
  const batches: Int32Array[] = [];
  for (let s = 0; s < size; s += batchSize) {
    const b = order.subarray(s, Math.min(size, s + batchSize));
    if (b.length < batchSize && opts.dropLast) break;
    batches.push(b);
  }
  return batches;
}
