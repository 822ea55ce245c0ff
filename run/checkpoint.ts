/**
 * Checkpoints: `<tag>.safetensors` holds the model's parameters and buffers with PyTorch's names and layouts
 * (so `safetensors.torch.load_file` reads it and torchvision modules accept it), `<tag>.optim.safetensors` the
 * optimizer's momentum buffers, and `<tag>.json` everything else (kind, architecture, config, step, scheduler
 * and RNG state). Every file is written atomically; the JSON is written last, so a checkpoint exists exactly
 * when its JSON does, and `last_checkpoint` (also atomic) names the newest.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { backendThreads } from '../engine/backend_threads';
import { Module } from '../engine/nn/module';
import { readSafetensors, writeSafetensors } from '../engine/safetensors';
import { atomicWrite } from '../engine/atomic_write';
import { HostTensor, toFloat32 } from '../engine/host_tensor';
import { fromTorchLayout, toTorchLayout, PlainTensor } from '../engine/torch_layout';

export interface CheckpointMeta {
  format: 'resdet-checkpoint';
  version: 1;
  /** 'classifier' | 'detector' */
  kind: string;
  step: number;
  /**
   * The threads the backend computed with. Floating-point sums depend on how work is split among threads, so a
   * resumed run takes the same count to continue exactly (run/resume.ts).
   */
  threads?: number;
  [key: string]: unknown;
}

export class CheckpointError extends Error {}

function hostTensors(named: Map<string, tf.Tensor>, torchLayout: boolean): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of named) {
    const plain: PlainTensor = { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
    const p = torchLayout ? toTorchLayout(plain) : plain;
    out.set(name, { dtype: 'float32', shape: p.shape, data: p.data });
  }
  return out;
}

export function checkpointPaths(dir: string, tag: string) {
  return {
    model: path.join(dir, `${tag}.safetensors`),
    optim: path.join(dir, `${tag}.optim.safetensors`),
    meta: path.join(dir, `${tag}.json`),
  };
}

export async function saveCheckpoint(
  dir: string,
  tag: string,
  model: Module,
  meta: Omit<CheckpointMeta, 'format' | 'version'>,
  optimizerState?: Map<string, tf.Tensor>,
): Promise<string> {
  await fs.promises.mkdir(dir, { recursive: true });
  const p = checkpointPaths(dir, tag);
  await writeSafetensors(p.model, hostTensors(model.stateDict(), true), { format: 'pt', producer: 'resdet' });
  if (optimizerState) await writeSafetensors(p.optim, hostTensors(optimizerState, true));
  const threads = backendThreads(tf.getBackend()) ?? undefined;
  const full = { format: 'resdet-checkpoint', version: 1, threads, ...meta } as CheckpointMeta;
  await atomicWrite(p.meta, [Buffer.from(JSON.stringify(full, null, 2) + '\n')]);
  await atomicWrite(path.join(dir, 'last_checkpoint'), [Buffer.from(`${tag}\n`)]);
  return p.model;
}

/**
 * Resolves what a user passes as `--weights`: a run folder (its newest checkpoint), a checkpoint's
 * `.safetensors` or `.json`, or any other weights file (returned as is, without metadata).
 */
export function resolveCheckpoint(p: string): { model: string; meta: string | null; optim: string | null } {
  if (!fs.existsSync(p)) throw new CheckpointError(`${p}: no such file or folder`);
  if (fs.statSync(p).isDirectory()) {
    const marker = path.join(p, 'last_checkpoint');
    let tag: string | null = null;
    if (fs.existsSync(marker)) tag = fs.readFileSync(marker, 'utf8').trim();
    if (!tag || !fs.existsSync(checkpointPaths(p, tag).meta)) {
      const metas = fs.readdirSync(p).filter((f) => f.endsWith('.json') && fs.existsSync(path.join(p, f.replace(/\.json$/, '.safetensors'))));
      // a demo folder (resdet demo): its run is in train/
      if (!metas.length && fs.existsSync(path.join(p, 'train', 'last_checkpoint'))) return resolveCheckpoint(path.join(p, 'train'));
      if (!metas.length) throw new CheckpointError(`${p}: folder holds no resdet checkpoint (no <tag>.json + <tag>.safetensors)`);
      tag = metas.sort().at(-1)!.replace(/\.json$/, '');
    }
    const c = checkpointPaths(p, tag);
    return { model: c.model, meta: c.meta, optim: fs.existsSync(c.optim) ? c.optim : null };
  }
  const base = p.replace(/\.(optim\.)?safetensors$|\.json$/, '');
  const c = checkpointPaths(path.dirname(base), path.basename(base));
  if (fs.existsSync(c.meta) && fs.existsSync(c.model)) {
    return { model: c.model, meta: c.meta, optim: fs.existsSync(c.optim) ? c.optim : null };
  }
  return { model: p, meta: null, optim: null };
}

export async function readCheckpointMeta(metaPath: string): Promise<CheckpointMeta> {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(await fs.promises.readFile(metaPath, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${metaPath}: unreadable checkpoint metadata (${(e as Error).message})`);
  }
  if (meta.format !== 'resdet-checkpoint') throw new CheckpointError(`${metaPath}: not a resdet checkpoint`);
  return meta;
}

/** Reads a safetensors file of PyTorch-layout tensors into resdet's layouts. */
export async function readTorchLayoutTensors(file: string): Promise<Map<string, PlainTensor>> {
  const out = new Map<string, PlainTensor>();
  for (const [name, t] of await readSafetensors(file)) {
    if (name.endsWith('num_batches_tracked')) continue;
    out.set(name, fromTorchLayout({ shape: t.shape, data: toFloat32(t) }));
  }
  return out;
}
