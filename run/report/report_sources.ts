/**
 * What a report is drawn from, found in a run folder: the training folder's config.yaml and log.jsonl (the run
 * itself, or its `train/` for `resdet demo`), the run's metrics.json, and the newest evaluation folder with its
 * ground truth (eval/, written by `eval model` and the demo, else the last eval/step-N/ of training). A folder
 * that is itself an evaluation folder is reported on alone.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isEvalFolder } from '../../eval/eval_folder';
import { ReportError } from './report_error';

export interface ReportSources {
  run: string;
  config?: string;
  log?: string;
  metrics?: string;
  /** the training folder's last_checkpoint marker (absent: training has not saved a checkpoint yet) */
  checkpoint?: string;
  evalDir?: string;
  /** the training step of evalDir when it is an eval/step-N/ folder */
  evalStep?: number;
}

const existing = (file: string): string | undefined => (fs.existsSync(file) ? file : undefined);

/** eval/ when it holds an evaluation, else the eval/step-N/ with the largest N that does. */
function newestEval(run: string): { dir: string; step?: number } | undefined {
  const root = path.join(run, 'eval');
  if (isEvalFolder(root)) return { dir: root };
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) return undefined;
  const steps = fs.readdirSync(root)
    .map((f) => ({ f, step: Number(/^step-(\d+)$/.exec(f)?.[1] ?? NaN) }))
    .filter((s) => Number.isFinite(s.step) && isEvalFolder(path.join(root, s.f)))
    .sort((a, b) => b.step - a.step);
  return steps.length ? { dir: path.join(root, steps[0].f), step: steps[0].step } : undefined;
}

export function findReportSources(run: string): ReportSources {
  if (!fs.existsSync(run)) throw new ReportError(`${run}: no such run folder`);
  if (!fs.statSync(run).isDirectory()) throw new ReportError(`${run}: not a folder (give the run folder that train, finetune, eval model or demo wrote)`);
  if (isEvalFolder(run)) return { run, evalDir: run, metrics: existing(path.join(run, 'metrics.json')) };
  const trainDir = fs.existsSync(path.join(run, 'log.jsonl')) ? run : path.join(run, 'train');
  const ev = newestEval(run);
  const sources: ReportSources = {
    run,
    config: existing(path.join(trainDir, 'config.yaml')),
    log: existing(path.join(trainDir, 'log.jsonl')),
    metrics: existing(path.join(run, 'metrics.json')),
    checkpoint: existing(path.join(trainDir, 'last_checkpoint')),
    evalDir: ev?.dir,
    evalStep: ev?.step,
  };
  if (!sources.config && !sources.log && !sources.evalDir) {
    throw new ReportError(`${run}: not a resdet run folder (no config.yaml, log.jsonl or evaluation with ground_truth.json in it)`);
  }
  return sources;
}
