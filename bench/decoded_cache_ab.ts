/**
 * The decoded-image cache's effect on the demo detector's training step, measured inside one run: the cache is
 * switched on and off in alternating blocks of steps (on for the first block, off for the second, …), so that
 * the VM's slow spells, which move whole runs by ±10 %, fall on both variants alike. Separate runs alternating
 * the variants could not resolve a few per cent on this project's 2-core VMs.
 *
 *   node dist/bench/decoded_cache_ab.js [--iters 900] [--block 10] [--skip 170] [--out DIR] [--data runs/demo/data]
 *
 * The demo's data must exist (`resdet demo` or `resdet data synth` makes it). The cache is on throughout the first
 * `--skip` steps, which are not measured: it fills in the first epoch (the demo's 600 images are 150 steps). Prints
 * the mean of the pairs' step-time ratios (on/off) with a 95 % interval, their median, and the mean step of each
 * variant. "Off" means: the cache neither answers nor keeps (DecodedImageCache.get and hasRoomFor are switched
 * here). The switch follows the step during which a batch is decoded: the producer schedules batch k + 2 when
 * step k takes its batch, and the workers decode it while step k runs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DecodedImageCache } from '../datasets/detection/pipeline/decoded_cache';
import { JsonlLog } from '../run/jsonl_log';
import { loadDetectorConfig } from '../bin/commands/train';
import { trainDetector } from '../detection/trainer';
import { median, meanInterval } from './detector_timing';
import { arg } from './cli_arg';

const ITERS = Number(arg('iters', '900'));
const BLOCK = Number(arg('block', '10'));
const SKIP = Number(arg('skip', '170'));
const DATA = arg('data', 'runs/demo/data');
/** the first measured block: an "on" block (pairs are (on, off)) */
const FIRST = 2 * Math.ceil(SKIP / BLOCK / 2);

/** steps whose log record has been written (the step running now, 0-based) */
let step = 0;
/** whether the cache works while step `s` runs: always before the measured blocks (it fills then) */
const onAt = (s: number) => s < FIRST * BLOCK || Math.floor(s / BLOCK) % 2 === 0;

/** The cache answers and keeps only for batches of "on" steps. */
function switchCache(): void {
  const { get, hasRoomFor } = DecodedImageCache.prototype;
  DecodedImageCache.prototype.get = function (this: DecodedImageCache, file: string) {
    return onAt(step) ? get.call(this, file) : undefined;
  };
  DecodedImageCache.prototype.hasRoomFor = function (this: DecodedImageCache, bytes: number) {
    return onAt(step) ? hasRoomFor.call(this, bytes) : false;
  };
}

/** The time of each step's end (its log record), in ms. */
function recordStepTimes(): number[] {
  const times: number[] = [];
  const write = JsonlLog.prototype.write;
  JsonlLog.prototype.write = function (this: JsonlLog, record: Record<string, unknown>) {
    if (record.type === 'train') {
      times.push(performance.now());
      step++;
    }
    return write.call(this, record);
  };
  return times;
}

function summary(times: number[]): string {
  const blocks: Array<{ on: boolean; ms: number }> = [];
  for (let b = FIRST; (b + 1) * BLOCK < times.length; b++) {
    blocks.push({ on: b % 2 === 0, ms: (times[(b + 1) * BLOCK - 1] - times[b * BLOCK - 1]) / BLOCK });
  }
  const ratios: number[] = [];
  for (let i = 0; i + 1 < blocks.length; i += 2) ratios.push(blocks[i].ms / blocks[i + 1].ms); // blocks come in (on, off) pairs
  const { mean: m, half } = meanInterval(ratios);
  const ms = (on: boolean) => meanInterval(blocks.filter((b) => b.on === on).map((b) => b.ms)).mean.toFixed(1);
  return `decoded-image cache, ${ratios.length} pairs of ${BLOCK}-step blocks: on/off step time ${m.toFixed(3)} ± ${half.toFixed(3)} (95 %), ` +
    `median ${median(ratios).toFixed(3)}; mean step ${ms(true)} ms with the cache, ${ms(false)} ms without`;
}

async function main(): Promise<void> {
  if (!(BLOCK >= 2)) throw new Error('--block must be at least 2');
  if (!fs.existsSync(path.join(DATA, 'train'))) throw new Error(`no demo data in ${DATA}: run \`resdet demo\` (or \`resdet data synth\`) first`);
  switchCache();
  const times = recordStepTimes();
  const cfg = loadDetectorConfig(path.join(__dirname, '..', '..', 'configs', 'demo.yaml'), [
    `solver.maxIters=${ITERS}`, `data.train.path=${path.join(DATA, 'train')}`, `data.test.path=${path.join(DATA, 'val')}`,
    'eval.valImages=0', `checkpoint.period=${ITERS}`,
  ]);
  const given = process.argv.includes('--out');
  const out = given ? arg('out', '') : fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-cache-ab-'));
  try {
    await trainDetector(cfg, { out, force: true, quiet: true });
  } finally {
    if (!given) fs.rmSync(out, { recursive: true, force: true });
  }
  console.log(`${summary(times)} (${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)} at the end)`);
}

main().catch((e) => {
  console.error(`decoded_cache_ab: ${(e as Error).message}`);
  process.exit(1);
});
