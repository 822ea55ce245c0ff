/**
 * COCO bbox evaluation speed on a val2017-sized workload: read + check both JSON files, match, accumulate and
 * summarize, timed end to end, with the peak resident memory.
 *
 *   npx tsc -p . && node dist/bench/coco_eval_speed.js /tmp/cocobench [--runs 3] [--images 5000]
 *
 * When DIR has no gt.json / dt.json they are made first by bench/reference/coco_workload.py (/usr/bin/python3 with
 * numpy; 5000 images, ~36k boxes, 500k detections). Each run is a fresh process (so loading and memory are measured
 * cold); prints the stages, the median and one JSON line. pycocotools is not a dependency and is not run here: its
 * figure on a workload of this size is printed as what it is, a stored one (STORED_PYCOCOTOOLS).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCocoDetections, readCocoGroundTruth } from '../eval/coco/coco_load';
import { evaluateCoco } from '../eval/coco/coco_eval';

const WORKLOAD_SCRIPT = path.resolve(__dirname, '..', '..', 'bench', 'reference', 'coco_workload.py');
/** pycocotools on a val2017-sized workload (bench/RESULTS.md, "COCO evaluation"): not measured by this script. */
const STORED_PYCOCOTOOLS = { date: '2026-11-28', seconds: 52, note: '3 s loading, 39 s evaluate, 10 s accumulate, load average ~10' };

/** Makes DIR/gt.json and DIR/dt.json with the reference generator, or exits 2 saying why it could not. */
function makeWorkload(dir: string, images: number): void {
  process.stdout.write(`making the workload in ${dir} (bench/reference/coco_workload.py --images ${images})\n`);
  const r = spawnSync('/usr/bin/python3', [WORKLOAD_SCRIPT, dir, '--images', String(images)], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`coco_eval_speed: ${WORKLOAD_SCRIPT} failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}\n`);
    process.exit(2);
  }
}

interface RunFigures {
  loadGt: number;
  loadResults: number;
  evaluate: number;
  total: number;
  cpu: number;
  peakRssMiB: number;
  stats: number[];
}

function oneRun(dir: string): RunFigures {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const sec = (a: bigint, b: bigint) => Number(b - a) / 1e9;
  const gt = readCocoGroundTruth(path.join(dir, 'gt.json'));
  const t1 = process.hrtime.bigint();
  const dt = readCocoDetections(path.join(dir, 'dt.json'), gt);
  const t2 = process.hrtime.bigint();
  const ev = evaluateCoco(gt, dt);
  const t3 = process.hrtime.bigint();
  const c = process.cpuUsage(c0);
  return {
    loadGt: sec(t0, t1),
    loadResults: sec(t1, t2),
    evaluate: sec(t2, t3),
    total: sec(t0, t3),
    cpu: (c.user + c.system) / 1e6,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    stats: ev.stats,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    process.stdout.write(JSON.stringify(oneRun(args[1])) + '\n');
    return;
  }
  const dir = args.find((a) => !a.startsWith('--'));
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
  if (!dir) {
    process.stderr.write('usage: node dist/bench/coco_eval_speed.js DIR [--runs N] [--images 5000]   (DIR: gt.json + dt.json, made when absent)\n');
    process.exit(2);
  }
  const imagesAt = args.indexOf('--images');
  if (!fs.existsSync(path.join(dir, 'gt.json')) || !fs.existsSync(path.join(dir, 'dt.json'))) makeWorkload(dir, imagesAt >= 0 ? Number(args[imagesAt + 1]) : 5000);
  const figures: RunFigures[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [__filename, '--child', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`run ${i + 1} failed: ${r.stderr}`);
    const f = JSON.parse(r.stdout) as RunFigures;
    figures.push(f);
    process.stdout.write(
      `run ${i + 1}: load gt ${f.loadGt.toFixed(2)} s, load results ${f.loadResults.toFixed(2)} s, ` +
        `evaluate+accumulate+summarize ${f.evaluate.toFixed(2)} s, total ${f.total.toFixed(2)} s (CPU ${f.cpu.toFixed(2)} s), peak RSS ${f.peakRssMiB.toFixed(0)} MiB\n`,
    );
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const total = median(figures.map((f) => f.total));
  const cpu = median(figures.map((f) => f.cpu));
  const rss = Math.max(...figures.map((f) => f.peakRssMiB));
  const load = os.loadavg()[0];
  process.stdout.write(`median total ${total.toFixed(2)} s (CPU ${cpu.toFixed(2)} s), max peak RSS ${rss.toFixed(0)} MiB, load average ${load.toFixed(1)}; AP ${figures[0].stats[0].toFixed(4)}\n`);
  process.stdout.write(`pycocotools: not measured in this run; stored ${STORED_PYCOCOTOOLS.date}: ${STORED_PYCOCOTOOLS.seconds} s on a val2017-sized workload (${STORED_PYCOCOTOOLS.note})\n`);
  process.stdout.write(JSON.stringify({ bench: 'coco_eval_speed', runs, medianSeconds: total, medianCpuSeconds: cpu, peakRssMiB: rss, loadAverage: load, stats: figures[0].stats, pycocotoolsStored: STORED_PYCOCOTOOLS }) + '\n');
}

main();
