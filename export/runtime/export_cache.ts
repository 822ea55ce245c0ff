/**
 * Exports made on the fly (`--engine onnxruntime` on a checkpoint) are kept next to the checkpoint as
 * `<checkpoint>.<key>.onnx`, the key a hash of what the export depends on: the weights file's and metadata's
 * bytes, the architecture asked for, the opset, a detector's config overrides and resdet's version. A changed checkpoint (a run that went on
 * training, a file replaced) has another key, so it is exported again and the stale file of that checkpoint
 * removed. Where the folder cannot be written the export is used without being kept.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../../engine/atomic_write';
import { resolveCheckpoint } from '../../run/checkpoint';
import { exportCheckpoint, CheckpointExportOptions } from '../export_checkpoint';
import { DEFAULT_OPSET } from '../onnx/opsets';
import { resdetVersion } from '../resdet_version';

export interface CachedExport {
  bytes: Uint8Array;
  /** the cache file, or null when it could not be written */
  file: string | null;
  /** true when an earlier export was reused */
  reused: boolean;
  /** why the export could not be kept, when it could not */
  note?: string;
}

async function hashFile(hash: crypto.Hash, file: string): Promise<void> {
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
}

/** The cache key of an export of `weights` with these options (16 hex digits). */
export async function exportKey(weights: string, o: CheckpointExportOptions): Promise<string> {
  const ck = resolveCheckpoint(weights);
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify({ arch: o.arch ?? null, opset: o.opset ?? DEFAULT_OPSET, resdet: resdetVersion(), ...(o.sets?.length ? { sets: o.sets } : {}) }));
  for (const f of [ck.model, ck.meta]) if (f) await hashFile(hash, f);
  return hash.digest('hex').slice(0, 16);
}

/** `<dir>/<name without its weights extension>` of the checkpoint's weights file. */
function cacheStem(weights: string): string {
  const model = resolveCheckpoint(weights).model;
  return path.join(path.dirname(model), path.basename(model).replace(/\.(safetensors|pth|pt|bin)$/, ''));
}

function removeStale(stem: string, keep: string): void {
  const dir = path.dirname(stem);
  const pattern = new RegExp(`^${path.basename(stem).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-f]{16}\\.onnx$`);
  for (const f of fs.readdirSync(dir)) {
    if (pattern.test(f) && path.join(dir, f) !== keep) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** The ONNX export of `weights`, reused from its cache file when the checkpoint has not changed. */
export async function cachedExport(weights: string, o: CheckpointExportOptions = {}): Promise<CachedExport> {
  const stem = cacheStem(weights);
  const file = `${stem}.${await exportKey(weights, o)}.onnx`;
  if (fs.existsSync(file)) return { bytes: await fs.promises.readFile(file), file, reused: true };
  const { bytes } = await exportCheckpoint(weights, o);
  try {
    await atomicWrite(file, [bytes]);
    removeStale(stem, file);
    return { bytes, file, reused: false };
  } catch (e) {
    return { bytes, file: null, reused: false, note: `cannot keep the ONNX export next to the checkpoint (${(e as Error).message})` };
  }
}
