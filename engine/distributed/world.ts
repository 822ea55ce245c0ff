/**
 * The processes of one job and what they do together: this process's rank and the job's size, and the
 * collectives data-parallel training and sharded evaluation need. A process started by an MPI launcher
 * (mpirun, srun: engine/distributed/launcher_env.ts) joins its job through resdet's MPI addon; any other
 * process is a world of one, where every collective is the identity. `processWorld()` is the one world of
 * this process, initialised on first use.
 *
 * Ending: a rank that exits with code 0 waits (sleeping) for the others, then finalises MPI; a rank that exits
 * with another code aborts the job, so that no rank is left waiting for it — after a grace period on ranks
 * other than 0 (`beforeFailing`), so that a failure every rank meets (a bad config, an interruption) is
 * reported once, by rank 0.
 */
import { launchedAs } from './launcher_env';
import { mpiAddon, mpiMissingReason, MpiAddon, MPI_HINT } from './mpi_addon';

export interface World {
  readonly rank: number;
  readonly size: number;
  /** processes of the job on this host */
  readonly localSize: number;
  /** e.g. "Open MPI v4.1.4"; null in a world of one */
  readonly library: string | null;
  /** x = the sum over ranks of x, in place */
  allreduceSum(x: Float32Array): void;
  /** each xs[i] = the sum over ranks of scale * xs[i], in place, in one reduction */
  allreduceSumMany(xs: Float32Array[], scale: number): void;
  /** every rank's x = rank 0's x, in place */
  broadcast(x: ArrayBufferView): void;
  /** rank 0: every rank's bytes in rank order; other ranks: null */
  gather(x: ArrayBufferView): Buffer[] | null;
  barrier(): void;
}

/** A process cannot join the job it was launched into (one line, exit 2). */
export class DistributedError extends Error {}

/** The world of a process that runs alone. */
export const SOLO: World = {
  rank: 0,
  size: 1,
  localSize: 1,
  library: null,
  allreduceSum: () => undefined,
  allreduceSumMany: (xs, scale) => {
    if (scale !== 1) for (const x of xs) for (let i = 0; i < x.length; i++) x[i] *= scale;
  },
  broadcast: () => undefined,
  gather: (x) => [Buffer.from(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))],
  barrier: () => undefined,
};

/** Ranks other than 0 wait this long before reporting a failure and aborting the job (see the file comment). */
export const FAILURE_GRACE_MS = 1500;

function mpiWorld(addon: MpiAddon): World {
  const info = addon.init();
  process.on('exit', (code) => {
    if (addon.state() !== 'live') return;
    if (code === 0) addon.finalize();
    else addon.abort(code);
  });
  return {
    rank: info.rank,
    size: info.size,
    localSize: info.localSize,
    library: info.library,
    allreduceSum: (x) => addon.allreduceSum(x),
    allreduceSumMany: (xs, scale) => addon.allreduceSumMany(xs, scale),
    broadcast: (x) => addon.broadcast(x, 0),
    gather: (x) => addon.gather(x),
    barrier: () => addon.barrier(),
  };
}

let current: World | null = null;

/** This process's world: its MPI job when a launcher started it, else a world of one. */
export function processWorld(): World {
  if (current) return current;
  const job = launchedAs();
  const addon = job ? mpiAddon() : null;
  if (job && !addon && job.size > 1) {
    throw new DistributedError(`started as process ${job.rank} of ${job.size} by an MPI launcher, but resdet's MPI addon is not available: ${mpiMissingReason()}; ${MPI_HINT}`);
  }
  current = addon ? mpiWorld(addon) : SOLO;
  return current;
}

/** True when this process is rank 0 (or alone): the one that writes run files, logs and prints. */
export function isRoot(): boolean {
  return processWorld().rank === 0;
}

/** On a rank other than 0 of a job, waits FAILURE_GRACE_MS (see the file comment); at once elsewhere. */
export async function beforeFailing(): Promise<void> {
  if (!current || current.rank === 0) return;
  await new Promise((resolve) => setTimeout(resolve, FAILURE_GRACE_MS));
}
