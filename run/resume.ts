/**
 * Resuming a run from its folder: the newest complete checkpoint (`step-N.json`, `step-N.safetensors` and
 * `step-N.optim.safetensors` all there) has its weights and optimizer state loaded, log records beyond its step
 * (training steps, evaluations, validation losses) are dropped (they will be written again), and the step to continue from is
 * returned. A newer checkpoint missing a file (a disk that filled up mid-save, a file deleted by hand) is left as
 * it is and named in a note. A checkpoint is the same whatever the number of processes that trained it
 * (data-parallel runs: engine/distributed/), so a run resumes with any number; with another number than
 * before, the sums are added in another order, and a note says the run will not continue bit for bit.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { backendThreads, setBackendThreads } from '../engine/backend_threads';
import { Module } from '../engine/nn/module';
import { Optimizer } from '../engine/optim/optimizer';
import { JsonlLog } from './jsonl_log';
import { checkpointPaths, readCheckpointMeta, readTorchLayoutTensors, CheckpointError, CheckpointMeta } from './checkpoint';

const CHECKPOINT_JSON = /^(step-\d+)\.json$/;

export interface Resumed {
  step: number;
  /** the checkpoint's weights file */
  checkpoint: string;
  /** what was skipped on the way, for the console and the log */
  notes: string[];
  /** the processes that trained the checkpoint (1 unless data-parallel) */
  processes: number;
}

/** The newest checkpoint of `dir` with all its files, and notes naming the newer incomplete ones. */
export function newestCompleteCheckpoint(dir: string): { tag: string | null; notes: string[] } {
  const tags = fs.readdirSync(dir).flatMap((f) => CHECKPOINT_JSON.exec(f)?.[1] ?? []).sort().reverse();
  const skipped: string[] = [];
  for (const tag of tags) {
    const p = checkpointPaths(dir, tag);
    const missing = [p.model, p.optim].filter((f) => !fs.existsSync(f));
    if (!missing.length) return { tag, notes: skipped.map((s) => `${s}; resuming from ${tag}`) };
    skipped.push(`ignoring incomplete checkpoint ${tag} (no ${missing.map((f) => path.basename(f)).join(', no ')})`);
  }
  return { tag: null, notes: skipped };
}

/** Returns where the run continues, or null when the folder holds no checkpoint yet (a fresh start). */
export async function resumeRun(
  out: string,
  model: Module,
  optimizer: Optimizer,
  log: JsonlLog,
  check: (meta: CheckpointMeta, file: string) => string | null,
  processes = 1,
): Promise<Resumed | null> {
  if (!fs.existsSync(path.join(out, 'last_checkpoint'))) return null;
  const { tag, notes } = newestCompleteCheckpoint(out);
  if (!tag) {
    throw new CheckpointError(`${out}: no complete checkpoint to resume${notes.length ? ` (${notes.join('; ')})` : ''}; start over with --force`);
  }
  const ck = checkpointPaths(out, tag);
  const meta = await readCheckpointMeta(ck.meta);
  const problem = check(meta, ck.model) ?? optimizerChange(meta, optimizer);
  if (problem) throw new CheckpointError(`${ck.model}: ${problem}`);
  const before = typeof meta.processes === 'number' ? meta.processes : 1;
  const threads = before === processes ? keepThreads(meta) : backendThreads(tf.getBackend());
  if (before !== processes) notes.push(processChangeNote(processes, before));
  model.loadStateDict(await readTorchLayoutTensors(ck.model), { source: ck.model, torchLayout: true });
  optimizer.loadState(await readTorchLayoutTensors(ck.optim));
  log.truncateAfter(meta.step, ['train', 'eval', 'val']); // every record a step writes, validation loss included
  log.write({ type: 'resume', step: meta.step, checkpoint: ck.model, threads });
  return { step: meta.step, checkpoint: ck.model, notes, processes: before };
}

/** A run resumes with the optimizer whose state its checkpoint holds (checkpoints before `optimizer` was recorded: SGD). */
function optimizerChange(meta: CheckpointMeta, optimizer: Optimizer): string | null {
  const was = typeof meta.optimizer === 'string' ? meta.optimizer : 'sgd';
  return was === optimizer.kind ? null : `trained with solver.optimizer=${was}, this run asks for ${optimizer.kind}: resume with ${was}, or start over with --force`;
}

/** Resuming with `now` processes a run trained by `before`. */
function processChangeNote(now: number, before: number): string {
  return `resuming with ${now} process(es), the checkpoint was trained by ${before}: the losses will not match an uninterrupted run ` +
    `bit for bit (sums are added in another order); each process keeps its own share of the cores`;
}

/**
 * Computes with the thread count the run trained with (the native backend's kernels sum in per-thread parts,
 * so another count changes the last bits and, over steps, the run). The count a process would pick depends on
 * the other resdet processes running at the time (engine/native/worker_registry.ts). RESDET_THREADS overrides.
 */
function keepThreads(meta: CheckpointMeta): number | null {
  const backend = tf.getBackend();
  return typeof meta.threads === 'number' ? setBackendThreads(backend, meta.threads) : backendThreads(backend);
}
