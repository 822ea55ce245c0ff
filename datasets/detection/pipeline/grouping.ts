/**
 * Aspect-ratio grouping (as Detectron2's AspectRatioGroupedDataset): landscape and portrait images go to
 * separate buckets and a batch is emitted when a bucket is full, so a batch pads little. The order within
 * an epoch comes from the rng (training) or is the dataset order (rng null).
 */
import { Rng } from '../../../engine/rng';

export function aspectGroupedBatches(
  sizes: { width: number; height: number }[], batchSize: number, rng: Rng | null, dropLast = false,
): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`aspectGroupedBatches: batchSize must be a positive integer, got ${batchSize}`);
  const order = rng ? rng.permutation(sizes.length) : Int32Array.from(sizes.keys());
  const buckets: number[][] = [[], []];
  const out: Int32Array[] = [];
  for (const i of order) {
    const b = buckets[sizes[i].width >= sizes[i].height ? 0 : 1];
    b.push(i);
    if (b.length === batchSize) {
      out.push(Int32Array.from(b));
      b.length = 0;
    }
  }
  if (!dropLast) for (const b of buckets) if (b.length) out.push(Int32Array.from(b));
  return out;
}
