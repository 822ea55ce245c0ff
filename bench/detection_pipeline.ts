/**
 * Images/s of resdet's detection training pipeline (sharp decode of a 500x375 JPEG, resize to shorter side 600
 * → 800x600, random horizontal flip, normalise to float32 with ImageNet mean/std, through BatchProducer with
 * batch size 1) on the 200 JPEGs made by bench/reference/pil_pipeline.py, next to that script's PIL +
 * torchvision figures (one process, DataLoader with 2 workers) measured in the same run on the same files — or,
 * when it cannot run (no torch) or with --no-pil, a line saying they were not measured. Both: images/s = 200 /
 * median time of one pass, after warm-up passes.
 *
 *   node dist/bench/detection_pipeline.js [--dir DIR] [--runs 5] [--warmup 2] [--workers <cores>] [--concurrency 2/worker] [--prefetch 8]
 *                                         [--batch 1] [--resizer auto|sharp|js] [--fresh-buffers] [--no-pil] [--json out.json]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import sharp from 'sharp';
import { Rng } from '../engine/rng';
import { emptyRecord, DatasetRecord } from '../datasets/detection/record';
import { BatchProducer } from '../datasets/detection/pipeline/producer';
import { TRAIN_TRANSFORMS } from '../datasets/detection/pipeline/transforms';
import { Resizer } from '../datasets/detection/pipeline/decode_into';
import { DecodePool } from '../datasets/detection/pipeline/decode_pool';
import { arg } from './cli_arg';

const ROOT = path.resolve(__dirname, '..', '..');

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main() {
  const dir = arg('dir', path.join(os.tmpdir(), 'torchbench-jpegs'));
  const runs = Number(arg('runs', '5'));
  const warmup = Number(arg('warmup', '2'));
  const workers = Number(arg('workers', String(os.cpus().length)));
  const concurrency = Number(arg('concurrency', String(workers > 0 ? 2 * workers : 4)));
  const prefetch = Number(arg('prefetch', '8'));
  const batch = Number(arg('batch', '1'));
  const resizer = arg('resizer', 'auto') as Resizer;
  const reuseBuffers = !process.argv.includes('--fresh-buffers');
  const script = arg('pil-script', path.join(ROOT, 'bench', 'reference', 'pil_pipeline.py'));
  const python = (extra: string[]) => spawnSync('/usr/bin/python3', [script, '--dir', dir, ...extra], { encoding: 'utf8' });
  const why = (r: ReturnType<typeof python>) => (r.stderr || String(r.error ?? `exit code ${r.status}`)).trim().split('\n').pop();

  let pil: Record<string, unknown> | null = null;
  let pilNotRun = '--no-pil';
  if (!process.argv.includes('--no-pil')) {
    const r = python(['--threads', '2', '--runs', String(runs), '--warmup', String(warmup)]);
    if (r.status === 0) pil = JSON.parse(r.stdout.trim().split('\n').pop()!);
    else pilNotRun = `${script}: ${why(r)}`;
  }
  const jpegs = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => f.endsWith('.jpg')).sort().slice(0, 200).map((f) => path.join(dir, f));
  if (jpegs().length === 0) {
    const r = python(['--images-only']); // PIL and numpy are enough to make the images
    if (r.status !== 0) throw new Error(`no JPEGs in ${dir} and ${script} could not make them: ${why(r)}`);
  }
  const files = jpegs();
  const records: DatasetRecord[] = [];
  for (const f of files) {
    const m = await sharp(f).metadata();
    records.push(emptyRecord(records.length + 1, f, m.width!, m.height!));
  }
  const batches = Array.from({ length: Math.ceil(records.length / batch) }, (_, b) => Int32Array.from({ length: Math.min(batch, records.length - b * batch) }, (_, k) => b * batch + k));
  const rng = new Rng(0);
  const pool = workers > 0 ? new DecodePool(workers) : undefined; // started once, as a trainer keeps it across epochs
  let shape: number[] = [];
  const pass = async () => {
    const producer = new BatchProducer(records, batches, { transforms: TRAIN_TRANSFORMS, concurrency, prefetch, resizer, pool, reuseBuffers }, rng);
    for await (const b of producer) shape = b.shape;
  };
  for (let i = 0; i < warmup; i++) await pass();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await pass();
    times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000 / files.length);
  }
  await pool?.close();
  const med = median(times);
  const res = {
    bench: 'detection_pipeline', date: new Date().toISOString(), cpus: os.cpus().length, load: os.loadavg().map((v) => +v.toFixed(2)),
    sharp: sharp.versions.sharp, vips: sharp.versions.vips, vipsConcurrency: sharp.concurrency(), uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? '4',
    files: files.length, batch, workers, concurrency, prefetch, resizer, reuseBuffers, outShape: shape,
    resdet: { img_s: +(files.length / med).toFixed(1), ms_per_img: +((1000 * med) / files.length).toFixed(2), img_s_best: +(files.length / Math.min(...times)).toFixed(1), cpu_ms_per_img: +median(cpu).toFixed(2), n: runs },
    pil,
  };
  console.log(JSON.stringify(res));
  if (!pil) console.log(`PIL + torchvision: not measured in this run (${pilNotRun})`);
  const out = arg('json', '');
  if (out) fs.writeFileSync(out, JSON.stringify(res, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
