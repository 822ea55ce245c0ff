/**
 * A MODEL, not a measurement, of data-parallel R50-FPN training on 1–64 machines like this one. Two inputs are
 * measured in this run: the training step of one image (`resdet bench --config configs/faster_rcnn_R_50_FPN_coco.yaml
 * --mode train --size 600x800 --rois 512`, 1 process x all cores: one machine's share of the work) with its
 * gradient size, and the all-reduce of that gradient between 2 processes here (bench/allreduce_time.ts, through
 * shared memory). Between machines the gradient goes over a network this machine does not have, so the link is an
 * assumption, stated: a ring all-reduce of S bytes over N machines takes 2(N-1)/N * S/B + 2(N-1) * a, for link
 * bandwidths B of 10, 25 and 100 Gbit/s and a per-message latency a of 50 us (TCP on Ethernet). resdet reduces
 * after the backward pass (no overlap), so a step is compute + all-reduce; the column "overlapped" is the bound
 * if the all-reduce were hidden behind the backward pass entirely. One image per machine per step (weak scaling).
 *
 *   npx tsc -p . && node dist/bench/distributed_model.js [--steps 3] [--warmup 1] [--step-s S --floats F]
 *     [--nodes 1,2,4,8,16,32,64] [--json out.json]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { arg } from './cli_arg';

const ROOT = path.resolve(__dirname, '..', '..');
const RESDET = path.join(ROOT, 'dist', 'bin', 'resdet.js');
const CONFIG = path.join(ROOT, 'configs', 'faster_rcnn_R_50_FPN_coco.yaml');
const COCO_TRAIN_IMAGES = 118287;
const TORCHVISION_EPOCHS = 26;
const LINKS_GBIT = [10, 25, 100];
const LATENCY_S = 50e-6;

function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`);
  return r.stdout;
}

/** One training step of one 600x800 image with 512 RoIs on this machine, and the gradient's floats. */
function measureStep(tmp: string): { stepS: number; floats: number; source: string } {
  if (arg('step-s', '')) return { stepS: Number(arg('step-s', '')), floats: Number(arg('floats', '41.7e6')), source: 'given on the command line' };
  const json = path.join(tmp, 'step.json');
  const args = ['bench', '--config', CONFIG, '--mode', 'train', '--size', '600x800', '--rois', '512', '--steps', arg('steps', '3'), '--warmup', arg('warmup', '1'), '--json', json];
  run(process.execPath, [RESDET, ...args]);
  const j = JSON.parse(fs.readFileSync(json, 'utf8'));
  return { stepS: j.s_per_step, floats: j.gradient_floats, source: `resdet ${args.join(' ')} (${j.backend}, ${j.threads} threads), measured now` };
}

/** The all-reduce of `floats` floats between 2 processes on this machine in training's buckets, measured now (null when MPI is missing). */
function measureLocalAllreduce(floats: number): { buckets: number; ms: number; gbPerS: number } | null {
  const flags = [...(process.getuid?.() === 0 ? ['--allow-run-as-root'] : []), ...(os.cpus().length < 2 ? ['--oversubscribe'] : [])];
  try {
    const out = run('mpirun', ['-np', '2', '--bind-to', 'none', ...flags, process.execPath, path.join(ROOT, 'dist', 'bench', 'allreduce_time.js'),
      '--floats', String(floats), '--runs', '5', '--bucketed'], { RESDET_THREADS: '1' });
    return JSON.parse(out.trim().split('\n').pop()!).allreduce[0];
  } catch {
    return null;
  }
}

/** Seconds of a ring all-reduce of `bytes` over `n` machines on links of `gbit` Gbit/s. */
export function ringAllreduceS(bytes: number, n: number, gbit: number, latencyS = LATENCY_S): number {
  if (n < 2) return 0;
  return ((2 * (n - 1)) / n) * (bytes / ((gbit * 1e9) / 8)) + 2 * (n - 1) * latencyS;
}

interface Row {
  nodes: number;
  link_gbit: number;
  allreduce_s: number;
  step_s: number;
  efficiency: number;
  efficiency_overlapped: number;
  images_per_s: number;
  coco_26_epochs_days: number;
}

function model(stepS: number, bytes: number, nodes: number[]): Row[] {
  return LINKS_GBIT.flatMap((gbit) => nodes.map((n) => {
    const comm = ringAllreduceS(bytes, n, gbit);
    const step = stepS + comm;
    const imagesPerS = n / step;
    return {
      nodes: n, link_gbit: gbit, allreduce_s: comm, step_s: step, efficiency: stepS / step,
      efficiency_overlapped: stepS / Math.max(stepS, comm), images_per_s: imagesPerS,
      coco_26_epochs_days: (TORCHVISION_EPOCHS * COCO_TRAIN_IMAGES) / imagesPerS / 86400,
    };
  }));
}

function main(): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-dist-model-'));
  try {
    const step = measureStep(tmp);
    const bytes = 4 * step.floats;
    const local = measureLocalAllreduce(step.floats);
    const nodes = arg('nodes', '1,2,4,8,16,32,64').split(',').map(Number);
    const rows = model(step.stepS, bytes, nodes);
    const say = (l: string) => process.stdout.write(l + '\n');
    say(`MODEL (not a measurement) of data-parallel R50-FPN training, 1 image of 600x800 per machine per step, 512 RoIs`);
    say(`measured now: step ${step.stepS.toFixed(2)} s on one machine (${step.source}); gradient ${(step.floats / 1e6).toFixed(1)}M floats = ${(bytes / 1e6).toFixed(0)} MB`);
    say(local ? `measured now: all-reduce of that gradient between 2 processes on this machine (shared memory, ${local.buckets} buckets of <= 25 MiB as training sends them) ${local.ms.toFixed(0)} ms (${local.gbPerS.toFixed(2)} GB/s)` : 'local all-reduce: not measured (no MPI)');
    say(`assumed: ring all-reduce over links of ${LINKS_GBIT.join(', ')} Gbit/s, ${LATENCY_S * 1e6} us per message; all-reduce after the backward pass (no overlap)`);
    say('| link | machines | all-reduce s | step s | efficiency | if overlapped | images/s | COCO 26 epochs, days |');
    say('|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      say(`| ${r.link_gbit} Gbit/s | ${r.nodes} | ${r.allreduce_s.toFixed(3)} | ${r.step_s.toFixed(2)} | ${(100 * r.efficiency).toFixed(1)} % | ${(100 * r.efficiency_overlapped).toFixed(1)} % | ${r.images_per_s.toFixed(2)} | ${r.coco_26_epochs_days.toFixed(1)} |`);
    }
    const json = arg('json', '');
    if (json) fs.writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), loadavg: os.loadavg(), step, local_allreduce: local, latency_s: LATENCY_S, rows }, null, 1) + '\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) main();
