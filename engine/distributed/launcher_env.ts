/**
 * What an MPI launcher tells the processes it starts, through their environment: Open MPI's mpirun
 * (OMPI_COMM_WORLD_*), a PMIx launcher such as Slurm's `srun --mpi=pmix` (PMIX_RANK with PMI_SIZE or
 * SLURM_NTASKS), MPICH's Hydra (PMI_RANK, PMI_SIZE). A process with none of these runs alone. Read before MPI
 * is initialised: the native backend divides the cores among the ranks of one host when it loads.
 */

export interface LaunchedAs {
  rank: number;
  size: number;
  /** processes of the job on this host (null: the launcher does not say) */
  localSize: number | null;
}

function int(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** The job this process belongs to according to its launcher's variables, or null (not launched by one). */
export function launchedAs(env: NodeJS.ProcessEnv = process.env): LaunchedAs | null {
  const rank = int(env.OMPI_COMM_WORLD_RANK) ?? int(env.PMIX_RANK) ?? int(env.PMI_RANK);
  if (rank === null) return null;
  const size = int(env.OMPI_COMM_WORLD_SIZE) ?? int(env.PMI_SIZE) ?? int(env.SLURM_NTASKS) ?? 1;
  const localSize = int(env.OMPI_COMM_WORLD_LOCAL_SIZE) ?? int(env.MPI_LOCALNRANKS) ?? slurmLocalTasks(env);
  return { rank, size: Math.max(1, size), localSize: localSize && localSize > 0 ? localSize : null };
}

/** Slurm's tasks on this node: SLURM_NTASKS_PER_NODE, else the first count of SLURM_TASKS_PER_NODE ("4(x2),3"). */
function slurmLocalTasks(env: NodeJS.ProcessEnv): number | null {
  const perNode = int(env.SLURM_NTASKS_PER_NODE);
  if (perNode !== null) return perNode;
  const m = /^(\d+)/.exec(env.SLURM_TASKS_PER_NODE ?? '');
  return m ? Number(m[1]) : null;
}
