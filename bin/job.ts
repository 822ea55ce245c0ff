/**
 * A resdet process started by an MPI launcher (`resdet launch`, mpirun, srun) joins its job before its command
 * runs (engine/distributed/world.ts), and only the commands that share their work among the processes may
 * run in a job of several: in any other, each process would do the whole work and write the same files.
 */
import { Command } from 'commander';
import { launchedAs } from '../engine/distributed/launcher_env';
import { processWorld } from '../engine/distributed/world';
import { quietOtherRanks } from './rank_output';

/** The commands that run data-parallel (training) or sharded (evaluation, prediction). */
export const DISTRIBUTED_COMMANDS = ['train', 'finetune', 'classify train', 'eval model', 'predict'];

/** Joins the job this process was launched into, if any (a DistributedError when it cannot). */
export function joinJob(): void {
  if (!launchedAs()) return;
  quietOtherRanks(processWorld());
}

/** The command's words below the program, e.g. 'eval model'. */
export function commandPath(cmd: Command): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
  return words.join(' ');
}

/** Why `cmd` cannot run in this process's job, or null when it can (or the process runs alone). */
export function refusedInJob(cmd: Command): string | null {
  const size = launchedAs() ? processWorld().size : 1;
  const name = commandPath(cmd);
  if (size === 1 || DISTRIBUTED_COMMANDS.includes(name)) return null;
  return `resdet ${name} does not share its work among processes, and was started as one of ${size}: run it on its own ` +
    `(commands that do: ${DISTRIBUTED_COMMANDS.join(', ')})`;
}
