/**
 * `resdet launch --nproc N [--hosts H] -- <resdet command>`: runs a resdet command as N processes of one Open
 * MPI job (`mpirun -np N … node resdet.js <command>`): data-parallel training (train, finetune, classify
 * train) or sharded evaluation and prediction (eval model, predict). Each process takes its share of the
 * cores (engine/native/addon.ts). On a cluster, mpirun or srun may start `node dist/bin/resdet.js <command>`
 * directly instead. mpirun stops every process when one fails or dies; its messages are shown in one line
 * each (bin/mpirun_output.ts).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { action, intFlag, UsageError } from '../errors';
import { required } from '../required';
import { mpiAddon, mpiMissingReason, MPI_HINT } from '../../engine/distributed/mpi_addon';
import { DISTRIBUTED_COMMANDS } from '../job';
import { MpirunStderr } from '../mpirun_output';

const RESDET_JS = path.resolve(__dirname, '..', 'resdet.js');

/** Open MPI's launcher: RESDET_MPIRUN, else `mpirun` on the PATH. */
function mpirunPath(): string {
  return process.env.RESDET_MPIRUN || 'mpirun';
}

/** The command's name as DISTRIBUTED_COMMANDS spells it, or a UsageError. */
function checkCommand(command: string[]): void {
  if (!command.length) throw new UsageError('no command to launch: name it after --, e.g. resdet launch --nproc 2 -- train configs/demo.yaml --out runs/x');
  const [a, b] = command;
  if (DISTRIBUTED_COMMANDS.includes(a) || DISTRIBUTED_COMMANDS.includes(`${a} ${b}`)) return;
  throw new UsageError(`resdet ${[a, b].filter(Boolean).join(' ')} cannot be launched as several processes; these can: ${DISTRIBUTED_COMMANDS.join(', ')}`);
}

/** mpirun and resdet's MPI addon are there, or a UsageError saying what to install. */
function checkOpenMpi(mpirun: string): void {
  const r = spawnSync(mpirun, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new UsageError(`Open MPI's ${mpirun} not found: ${MPI_HINT}`);
  if (!mpiAddon()) throw new UsageError(`resdet's MPI addon is not available (${mpiMissingReason()}): ${MPI_HINT}`);
}

export interface LaunchPlan {
  nproc: number;
  hosts?: string;
  command: string[];
}

/** mpirun's arguments for `plan`: the environment that configures resdet travels to every host. */
export function mpirunArgs(plan: LaunchPlan, env: NodeJS.ProcessEnv = process.env, cores = os.cpus().length, root = process.getuid?.() === 0): string[] {
  const args = ['-np', String(plan.nproc), '--bind-to', 'none'];
  if (plan.hosts) args.push('--host', plan.hosts);
  else if (plan.nproc > cores) args.push('--oversubscribe'); // more processes than cores here: allowed, each gets 1 thread
  if (root) args.push('--allow-run-as-root'); // Open MPI refuses root unless told (containers run as root)
  for (const name of Object.keys(env).filter((k) => /^(RESDET_|OMP_)/.test(k)).sort()) args.push('-x', name);
  return [...args, process.execPath, RESDET_JS, ...plan.command];
}

/**
 * Ctrl-C: mpirun runs in its own process group, so the terminal's Ctrl-C reaches this process alone; the first
 * becomes a SIGUSR2 that mpirun forwards to every process (each then stops as on Ctrl-C: a training run saves a
 * checkpoint; run/interrupt.ts), a second one, or SIGTERM / SIGHUP here, ends mpirun and every process at once.
 * Returns the function that stops forwarding.
 */
function forwardSignals(child: ChildProcess): () => void {
  let asked = false;
  const onInterrupt = () => {
    if (!asked) process.stderr.write('resdet: interrupting every process of the job (Ctrl-C again stops them at once)\n');
    child.kill(asked ? 'SIGTERM' : 'SIGUSR2');
    asked = true;
  };
  const onTerminate = () => child.kill('SIGTERM');
  const onExit = () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM');
  process.on('SIGINT', onInterrupt);
  for (const s of ['SIGTERM', 'SIGHUP'] as const) process.on(s, onTerminate);
  process.on('exit', onExit);
  return () => {
    process.removeListener('SIGINT', onInterrupt);
    for (const s of ['SIGTERM', 'SIGHUP'] as const) process.removeListener(s, onTerminate);
    process.removeListener('exit', onExit);
  };
}

/** Runs mpirun; resolves with its exit code (a signal that ended it as 128 + its number). */
function runMpirun(mpirun: string, args: string[]): Promise<number> {
  const child = spawn(mpirun, args, { stdio: ['inherit', 'inherit', 'pipe'], detached: true });
  const stopForwarding = forwardSignals(child);
  const stderr = new MpirunStderr((line) => process.stderr.write(line + '\n'));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => stderr.write(chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      stderr.end();
      stopForwarding();
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 1));
    });
  });
}

export function launchCommand(): Command {
  return new Command('launch')
    .description('run a resdet command as N processes (Open MPI): data-parallel training, sharded eval model and predict')
    .requiredOption('--nproc <n>', required('number of processes'), intFlag('--nproc'))
    .option('--hosts <list>', "where to run them, in mpirun's --host syntax (e.g. node1:2,node2:2); default: this machine")
    .argument('[command...]', 'after --, the resdet command each process runs, e.g. -- train configs/demo.yaml --out runs/demo')
    .action(
      action(async (command: string[], f: { nproc: number; hosts?: string }) => {
        checkCommand(command);
        const mpirun = mpirunPath();
        checkOpenMpi(mpirun);
        const code = await runMpirun(mpirun, mpirunArgs({ nproc: f.nproc, hosts: f.hosts, command }));
        if (code > 128 && code !== 130) {
          process.stderr.write('resdet: every process of the job was stopped; a training run continues from its last checkpoint with the same command and --resume\n');
        }
        process.exit(code);
      }),
    );
}
