/**
 * Loads resdet's MPI addon (engine/distributed/mpi/build/Release/resdet_mpi.node, built by `npm run build:mpi`
 * or during `npm ci` when libopenmpi-dev is installed). When it is missing, `mpiAddon()` is null and
 * `mpiMissingReason()` says why (the build's first error line when a build failed) and what to install.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface MpiInfo {
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  /** e.g. "Open MPI v4.1.4" */
  library: string;
}

export interface MpiAddon {
  /** MPI_Init_thread from the launcher's environment (idempotent) */
  init(): MpiInfo;
  /** 'uninitialized' | 'live' | 'finalized' */
  state(): string;
  /** x = the sum over ranks of x (in place; the same length on every rank) */
  allreduceSum(x: Float32Array): void;
  /** each xs[i] = the sum over ranks of scale * xs[i], packed into one buffer for one reduction */
  allreduceSumMany(xs: Float32Array[], scale: number): void;
  /** every rank's x = root's x (in place; the same byte length on every rank) */
  broadcast(x: ArrayBufferView, root?: number): void;
  /** rank 0: each rank's bytes in rank order; other ranks: null */
  gather(x: ArrayBufferView): Buffer[] | null;
  barrier(): void;
  /** a barrier (sleeping, not spinning), then MPI_Finalize */
  finalize(): void;
  /** MPI_Abort: ends every process of the job with `code` */
  abort(code: number): void;
}

export const MPI_HINT = 'apt-get install libopenmpi-dev openmpi-bin, then npm run build:mpi';

/** The folder holding binding.gyp and build/ (this file runs from engine/distributed or dist/engine/distributed). */
export function mpiAddonDir(): string {
  const candidates = [path.join(__dirname, 'mpi'), path.resolve(__dirname, '..', '..', '..', 'engine', 'distributed', 'mpi')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'binding.gyp'))) ?? candidates[0];
}

let loaded: { addon: MpiAddon | null; why: string } | null = null;

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? s;
}

function load(): { addon: MpiAddon | null; why: string } {
  const dir = mpiAddonDir();
  const file = process.env.RESDET_MPI_ADDON ?? path.join(dir, 'build', 'Release', 'resdet_mpi.node');
  if (!fs.existsSync(file)) {
    const err = path.join(dir, 'build', 'BUILD_ERROR.txt');
    const why = fs.existsSync(err) ? `build failed (${firstLine(fs.readFileSync(err, 'utf8'))})` : 'addon not built';
    return { addon: null, why };
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return { addon: require(file) as MpiAddon, why: '' };
  } catch (e) {
    return { addon: null, why: `addon failed to load (${firstLine(String((e as Error).message))})` };
  }
}

export function mpiAddon(): MpiAddon | null {
  loaded ??= load();
  return loaded.addon;
}

/** Why the addon is unavailable ('' when it loaded). */
export function mpiMissingReason(): string {
  loaded ??= load();
  return loaded.why;
}
