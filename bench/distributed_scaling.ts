/**
 * Data-parallel scaling on one machine: training throughput (images/s over the steps after a warm-up) of
 * 2 processes x 1 thread (`resdet launch --nproc 2`) against 1 process x 2 threads, for ResNet-20 on
 * Fashion-MNIST (global batch 32) and the demo detector (configs/demo.yaml, global batch 4, on a synthetic set
 * made for the run), on the native backend; with the time the 2 processes spend in collectives per step
 * (`commMs` of their log: the all-reduces, waiting for the slower process included) as a fraction of the
 * step, and the time of one all-reduce of ResNet-50-FPN's gradient size (bench/allreduce_time.ts). Every
 * figure is measured in this run; compare runs made on a quiet machine only.
 *
 *   node dist/bench/distributed_scaling.js [--steps 30] [--warmup 5] [--skip classifier|detector] [--json out.json]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { arg } from './cli_arg';

const ROOT = path.resolve(__dirname, '..', '..');
const RESDET = path.join(ROOT, 'dist', 'bin', 'resdet.js');

interface Workload {
  name: string;
  /** global images per step */
  batch: number;
  /** the resdet command training `steps` steps into `out` */
  command(out: string, steps: number): string[];
}

interface Measured {
  imagesPerS: number;
  msPerStep: number;
  /** mean time in collectives per step (2 processes only) */
  commMs: number | null;
}

function resdet(args: string[], env: Record<string, string>): void {
  const r = spawnSync(process.execPath, [RESDET, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, RESDET_BACKEND: 'native', ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`resdet ${args.slice(0, 4).join(' ')} … failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
}

/** Throughput over the steps after `warmup`, from the run's log (each step's record time). */
function measured(out: string, batch: number, warmup: number): Measured {
  const steps = fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'train');
  const timed = steps.slice(warmup);
  if (timed.length < 2) throw new Error(`${out}: ${steps.length} steps logged, too few after a warm-up of ${warmup}`);
  const seconds = (Date.parse(timed[timed.length - 1].time) - Date.parse(timed[0].time)) / 1000;
  const n = timed.length - 1;
  const comm = timed.filter((r) => typeof r.commMs === 'number').map((r) => r.commMs as number);
  return { imagesPerS: (n * batch) / seconds, msPerStep: (seconds / n) * 1000, commMs: comm.length ? comm.reduce((a, b) => a + b, 0) / comm.length : null };
}

function workloads(tmp: string): Workload[] {
  const data = path.join(tmp, 'shapes');
  const classifier: Workload = {
    name: 'ResNet-20, Fashion-MNIST 28x28, global batch 32',
    batch: 32,
    command: (out, steps) => ['classify', 'train', '--arch', 'resnet20', '--dataset', 'fashion-mnist', '--limit', String(32 * steps),
      '--batch-size', '32', '--epochs', '1', '--out', out, '--quiet', '--set', 'data.testLimit=32'],
  };
  const detector: Workload = {
    name: 'demo detector (configs/demo.yaml), global batch 4',
    batch: 4,
    command: (out, steps) => {
      if (!fs.existsSync(data)) resdet(['data', 'synth', '--out', data, '--images', '40', '--seed', '1'], {});
      const sets = [`data.train.path=${data}`, `data.test.path=${data}`, 'data.train.split=train', 'data.test.split=train',
        `solver.maxIters=${steps}`, 'eval.period=0', 'eval.limit=1', `checkpoint.period=${steps}`];
      return ['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', out, '--quiet', ...sets.flatMap((s) => ['--set', s])];
    },
  };
  const skip = arg('skip', '');
  return [classifier, detector].filter((w) => !(skip === 'classifier' && w === classifier) && !(skip === 'detector' && w === detector));
}

function compare(w: Workload, tmp: string, steps: number, warmup: number) {
  const single = path.join(tmp, `${w.batch}-single`);
  const pair = path.join(tmp, `${w.batch}-pair`);
  resdet(w.command(single, steps), { RESDET_THREADS: '2' });
  resdet(['launch', '--nproc', '2', '--', ...w.command(pair, steps)], { RESDET_THREADS: '1' });
  const one = measured(single, w.batch, warmup);
  const two = measured(pair, w.batch, warmup);
  return { workload: w.name, oneProcessTwoThreads: one, twoProcessesOneThread: two, speedup: two.imagesPerS / one.imagesPerS, commFraction: two.commMs === null ? null : two.commMs / two.msPerStep };
}

/** One all-reduce of 1e6 and of 41e6 floats (ResNet-50-FPN's gradients) between 2 processes, in training's 25 MiB buckets. */
function allreduce() {
  const flags = [...(process.getuid?.() === 0 ? ['--allow-run-as-root'] : []), ...(os.cpus().length < 2 ? ['--oversubscribe'] : [])];
  const mpirun = spawnSync('mpirun', ['-np', '2', '--bind-to', 'none', ...flags, process.execPath,
    path.join(ROOT, 'dist', 'bench', 'allreduce_time.js'), '--floats', arg('floats', '1e6,41e6'), '--runs', arg('runs', '10'), '--bucketed'], { encoding: 'utf8', env: { ...process.env, RESDET_THREADS: '1' } });
  if (mpirun.status !== 0) return { notRun: (mpirun.stderr || String(mpirun.error)).trim().split('\n').slice(-1)[0] };
  return JSON.parse(mpirun.stdout.trim().split('\n').pop()!);
}

const fmt = (m: Measured) => `${m.imagesPerS.toFixed(1)} img/s, ${m.msPerStep.toFixed(0)} ms/step${m.commMs === null ? '' : `, collectives ${m.commMs.toFixed(1)} ms/step`}`;

function main(): void {
  const steps = Number(arg('steps', '30'));
  const warmup = Number(arg('warmup', '5'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-scaling-'));
  try {
    const rows = workloads(tmp).map((w) => compare(w, tmp, steps, warmup));
    const reduce = allreduce();
    for (const r of rows) {
      process.stdout.write(`${r.workload}\n  1 process x 2 threads:  ${fmt(r.oneProcessTwoThreads)}\n  2 processes x 1 thread: ${fmt(r.twoProcessesOneThread)}\n`);
      process.stdout.write(`  speed-up ${r.speedup.toFixed(2)}x; collectives ${r.commFraction === null ? '-' : `${(100 * r.commFraction).toFixed(1)} %`} of the step\n`);
    }
    process.stdout.write(`all-reduce between 2 processes: ${JSON.stringify(reduce)}\n`);
    const json = { date: new Date().toISOString(), steps, warmup, cores: os.cpus().length, loadavg: os.loadavg(), rows, allreduce: reduce };
    if (process.argv.includes('--json')) fs.writeFileSync(arg('json', 'scaling.json'), JSON.stringify(json, null, 2) + '\n');
    process.stdout.write(JSON.stringify(json) + '\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
