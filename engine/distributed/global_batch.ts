/**
 * A batch size in a config is the global batch, as in Detectron2 (`solver.imsPerBatch`): the images of one
 * step over all the processes of a job, each process taking its share (engine/distributed/shard.ts). A job
 * with more processes than images per step would leave some processes without work at every step, so it is
 * refused, naming the key.
 */
import { DistributedError, World } from './world';

export function requireGlobalBatch(batch: number, key: string, world: World): void {
  if (batch >= world.size) return;
  throw new DistributedError(`${key} is ${batch}, fewer images per step than the job's ${world.size} processes: each process needs at least one (${key} is the global batch, shared among the processes)`);
}
