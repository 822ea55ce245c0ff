/**
 * Deterministic sharding of a step's batch (or an evaluation's images) among the processes of a job: process
 * `rank` of `size` takes positions rank, rank + size, rank + 2·size, … — so that the processes together see
 * exactly the items one process would, each item once, and the shares differ by at most one item.
 */

export interface Shard {
  rank: number;
  size: number;
}

/** The whole: one process. */
export const WHOLE: Shard = { rank: 0, size: 1 };

/** The positions 0…n-1 that belong to `shard`. */
export function shardPositions(n: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let p = shard.rank; p < n; p += shard.size) out.push(p);
  return out;
}

/** The items of `items` that belong to `shard`, in order. */
export function shardOf<T>(items: ArrayLike<T>, shard: Shard): T[] {
  return shardPositions(items.length, shard).map((p) => items[p]);
}
