/** JSON values between the processes of a job: rank 0's to everyone, and everyone's to rank 0. */
import { World } from './world';

/** Broadcasts a JSON value from rank 0 (its length first, then its bytes); returns rank 0's value everywhere. */
export function broadcastJson<T>(world: World, value: T): T {
  if (world.size === 1) return value;
  const bytes = world.rank === 0 ? Buffer.from(JSON.stringify(value)) : Buffer.alloc(0);
  const length = new Float64Array([bytes.length]);
  world.broadcast(length);
  const all = world.rank === 0 ? bytes : Buffer.alloc(length[0]);
  world.broadcast(all);
  return JSON.parse(all.toString('utf8')) as T;
}

/** Rank 0: every rank's JSON value, in rank order; other ranks: null. */
export function gatherJson<T>(world: World, value: T): T[] | null {
  const parts = world.gather(Buffer.from(JSON.stringify(value)));
  return parts ? parts.map((b) => JSON.parse(b.toString('utf8')) as T) : null;
}
