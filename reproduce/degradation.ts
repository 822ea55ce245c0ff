/**
 * `resdet reproduce degradation`: the sweep of paper §4.2 / Fig. 6. Every planned net and seed is an ordinary
 * classification run (trainClassifier) in its own folder under `out` (`plain20-s0/`: config.yaml,
 * checkpoints, log.jsonl, metrics.json, commit.txt: the code it was (last) trained with). A finished run is kept and skipped; an unfinished one resumes from its
 * last checkpoint (the same steps an uninterrupted run takes). Then the curves come from the runs' logs into
 * results.json, table.md and fig6.png.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { trainClassifier } from '../backbone/classifier/train';
import { CLASSIFIER_DEFAULTS, ClassifierConfig } from '../backbone/classifier/config';
import { deepMerge } from '../run/config';
import { openClassificationDataset } from '../datasets/classification';
import { JsonlLog } from '../run/jsonl_log';
import { InterruptedError } from '../run/interrupt';
import { initBackend } from '../engine/backend';
import { backendThreads } from '../engine/backend_threads';
import { atomicWrite } from '../engine/atomic_write';
import { ReproduceError } from './reproduce_error';
import { ReproductionResults, ReproductionRun, writeResults } from './results';
import { curveFromLog } from './curve';
import { degradationConfig, depthOf, itersPerEpoch, planRuns, PlannedRun, RecipeOptions } from './degradation_plan';
import { estimateSeconds, formatDuration, SweepClock } from './cost_model';
import { degradationTable } from './degradation_table';
import { writeFig6 } from './fig6';
import { gitCommit, machine } from './provenance';
import { threadsOf } from '../run/thread_count';

export interface DegradationOptions extends Omit<RecipeOptions, 'evalEvery' | 'curveLimit'> {
  out: string;
  nets: string[];
  seeds?: number[];
  /** test-error points per run (default 20) and the test images each uses (default 2000; the final uses all) */
  curvePoints?: number;
  curveLimit?: number;
  quiet?: boolean;
  /** the command line, recorded in results.json */
  command: string;
  /** where the sweep's own lines go (stderr by default) */
  say?: (line: string) => void;
}

export interface DegradationOutput {
  results: ReproductionResults;
  files: { results: string; table: string; figure: string };
  skipped: string[];
  trained: string[];
}

/** Keys whose values differ between two configs (the first few), '' when they are equal. */
function firstDifference(a: unknown, b: unknown, at = ''): string {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return JSON.stringify(a) === JSON.stringify(b) ? '' : `${at.slice(1)} ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
    if (d) return d;
  }
  return '';
}

/** 'new', 'unfinished' or 'finished'; a folder holding a run of another recipe is refused. */
function runState(dir: string, cfg: ClassifierConfig): 'new' | 'unfinished' | 'finished' {
  const file = path.join(dir, 'config.yaml');
  if (!fs.existsSync(file)) return 'new';
  // read through the defaults: a key added to resdet since that run, at its default, is the same recipe
  const stored = deepMerge(CLASSIFIER_DEFAULTS, YAML.parse(fs.readFileSync(file, 'utf8')));
  const diff = firstDifference(stored, JSON.parse(JSON.stringify(cfg)));
  if (diff) throw new ReproduceError(`${dir} holds a run with another recipe (${diff}): use another --out or delete that folder`);
  return fs.existsSync(path.join(dir, 'metrics.json')) ? 'finished' : 'unfinished';
}

async function datasetSizes(o: DegradationOptions): Promise<{ train: number; test: number }> {
  const open = (split: 'train' | 'test', limit?: number) =>
    openClassificationDataset({ name: o.dataset, dir: o.data, split, limit });
  const [train, test] = [await open('train', o.limit), await open('test', o.testLimit)];
  return { train: train.size, test: test.size };
}

function runCommand(dir: string): string {
  return `resdet classify train ${path.join(dir, 'config.yaml')} --out ${dir} --resume`;
}

export async function runDegradation(o: DegradationOptions): Promise<DegradationOutput> {
  const say = o.say ?? ((l: string) => process.stderr.write(l + '\n'));
  if (!(o.epochs > 0)) throw new ReproduceError(`--epochs must be positive, got ${o.epochs}`);
  const backend = await initBackend(o.backend);
  const sizes = await datasetSizes(o);
  const iterations = Math.ceil(o.epochs * itersPerEpoch(sizes.train));
  const evalEvery = Math.max(1, Math.round(iterations / (o.curvePoints ?? 20)));
  const curveLimit = Math.min(o.curveLimit ?? 2000, sizes.test);
  const recipe: RecipeOptions = { ...o, backend, evalEvery, curveLimit };
  const plan = planRuns(o.nets, o.seeds).map((run) => {
    const dir = path.join(o.out, run.name);
    const cfg = degradationConfig(run, recipe);
    const cost = { depth: depthOf(run.net), iterations, evalEvery, curveImages: curveLimit, testImages: sizes.test, batch: Math.min(128, sizes.train) };
    return { run, dir, cfg, state: runState(dir, cfg), estimate: estimateSeconds(backend, cost) };
  });
  const todo = plan.filter((p) => p.state !== 'finished');
  const total = todo.reduce((s, p) => s + p.estimate, 0);
  say(
    `reproduce degradation: ${plan.length} runs (${plan.length - todo.length} finished and kept), ${iterations} iterations each ` +
      `(${o.epochs} epochs of ${sizes.train} images, batch 128) on ${backend}; estimated time ${formatDuration(total)} ` +
      `(an estimate from a per-depth cost model; the machine's load changes it)`,
  );
  fs.mkdirSync(o.out, { recursive: true });
  const clock = new SweepClock();
  let left = total;
  for (const [i, p] of plan.entries()) {
    const tag = `[${i + 1}/${plan.length}] ${p.run.name}`;
    if (p.state === 'finished') {
      say(`${tag}: finished earlier, kept`);
      continue;
    }
    say(`${tag}: ${p.state === 'unfinished' ? 'resuming' : 'training'}, about ${formatDuration(p.estimate * clock.scale())} (sweep: ${formatDuration(left * clock.scale())} left)`);
    const t0 = Date.now();
    fs.mkdirSync(p.dir, { recursive: true });
    await atomicWrite(path.join(p.dir, 'commit.txt'), [Buffer.from(gitCommit() + '\n')]);
    try {
      await trainClassifier(p.cfg, { out: p.dir, resume: true, quiet: o.quiet });
    } catch (e) {
      if (e instanceof InterruptedError) throw new InterruptedError(`interrupted in ${p.dir}; run the same command again to continue where it stopped`);
      throw e;
    }
    clock.record(p.estimate, (Date.now() - t0) / 1000);
    left -= p.estimate;
  }
  const runs = plan.map((p) => collectRun(p.run, p.dir, evalEvery));
  const threads = sweepThreads(runs) ?? backendThreads(backend);
  const results: ReproductionResults = {
    claim: 'degradation',
    dataset: o.dataset,
    commit: gitCommit(),
    command: o.command,
    backend,
    threads,
    epochs: o.epochs,
    iterations,
    train_images: sizes.train,
    test_images: sizes.test,
    eval_every: evalEvery,
    curve_test_images: curveLimit,
    recipe: 'SGD momentum 0.9, weight decay 1e-4, batch 128, lr 0.1 /10 at 50% and 75% of the run, He init (fan_out), option-A shortcuts, pad-4 random crop + flip' +
      (o.dataset === 'fashion-mnist' ? '; 28x28 zero-padded to 32x32' : ''),
    machine: machine(),
    wall_seconds: Math.round(runs.reduce((s, r) => s + r.seconds, 0) * 10) / 10,
    runs,
  };
  return { results, files: await writeOutputs(o.out, results), skipped: plan.filter((p) => p.state === 'finished').map((p) => p.run.name), trained: todo.map((p) => p.run.name) };
}

function collectRun(run: PlannedRun, dir: string, evalEvery: number): ReproductionRun {
  const log = JsonlLog.read(path.join(dir, 'log.jsonl'));
  const c = curveFromLog(log, evalEvery);
  const commitFile = path.join(dir, 'commit.txt');
  const commit = fs.existsSync(commitFile) ? fs.readFileSync(commitFile, 'utf8').trim() : null;
  return { name: run.net, seed: run.seed, final: c.final, curve: c.curve, seconds: c.seconds, command: runCommand(dir), iterations: c.iterations, run_dir: dir, commit, threads: threadsOf(log) };
}

/** The one thread count of all runs, or null when they differ or are unknown. */
function sweepThreads(runs: ReproductionRun[]): number | null {
  const all = new Set(runs.flatMap((r) => r.threads as number[]));
  return all.size === 1 ? [...all][0] : null;
}

async function writeOutputs(out: string, results: ReproductionResults): Promise<DegradationOutput['files']> {
  const files = { results: path.join(out, 'results.json'), table: path.join(out, 'table.md'), figure: path.join(out, 'fig6.png') };
  await writeResults(files.results, results);
  await atomicWrite(files.table, [Buffer.from(degradationTable(results))]);
  await writeFig6(results, files.figure);
  return files;
}
