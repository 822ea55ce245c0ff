/**
 * COCO bbox evaluation speed on a val2017-sized workload: read + check both JSON files, match, accumulate and
 * summarize, timed end to end, with the peak resident memory. pycocotools takes about 52 s on the same files.
 *
 *   /usr/bin/python3 ../shared/bench/gen_coco_bench.py /tmp/cocobench     # gt.json, dt.json (numpy only)
 *   npx tsc -p . && node dist/bench/coco_eval_speed.js /tmp/cocobench [--runs 3]
 *
 * Each run is a fresh process (so loading and memory are measured cold); prints the stages, the median and one
 * JSON line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCocoDetections, readCocoGroundTruth } from '../eval/coco/coco_load';
import { evaluateCoco } from '../eval/coco/coco_eval';

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
  if (!dir || !fs.existsSync(path.join(dir, 'gt.json')) || !fs.existsSync(path.join(dir, 'dt.json'))) {
    process.stderr.write('usage: node dist/bench/coco_eval_speed.js DIR [--runs N]   (DIR from gen_coco_bench.py)\n');
    process.exit(2);
  }
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
  process.stdout.write(JSON.stringify({ bench: 'coco_eval_speed', runs, medianSeconds: total, medianCpuSeconds: cpu, peakRssMiB: rss, loadAverage: load, stats: figures[0].stats }) + '\n');
}

main();
