/**
 * Resuming a run from its folder: the newest checkpoint's weights and optimizer state are loaded, log records
 * beyond its step (training steps and evaluations) are dropped (they will be written again), and the step to continue from is returned.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { backendThreads, setBackendThreads } from '../engine/backend_threads';
import { Module } from '../engine/nn/module';
import { SGD } from '../engine/optim/sgd';
import { JsonlLog } from './jsonl_log';
import { resolveCheckpoint, readCheckpointMeta, readTorchLayoutTensors, CheckpointError, CheckpointMeta } from './checkpoint';

/** Returns the step to continue from, or null when the folder holds no checkpoint yet (a fresh start). */
export async function resumeRun(
  out: string,
  model: Module,
  optimizer: SGD,
  log: JsonlLog,
  check: (meta: CheckpointMeta, file: string) => string | null,
): Promise<number | null> {
  if (!fs.existsSync(path.join(out, 'last_checkpoint'))) return null;
  const ck = resolveCheckpoint(out);
  const meta = await readCheckpointMeta(ck.meta!);
  const problem = check(meta, ck.model);
  if (problem) throw new CheckpointError(`${ck.model}: ${problem}`);
  const threads = keepThreads(meta);
  model.loadStateDict(await readTorchLayoutTensors(ck.model), { source: ck.model, torchLayout: true });
  if (ck.optim) optimizer.loadState(await readTorchLayoutTensors(ck.optim));
  log.truncateAfter(meta.step, ['train', 'eval']);
  log.write({ type: 'resume', step: meta.step, checkpoint: ck.model, threads });
  return meta.step;
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
