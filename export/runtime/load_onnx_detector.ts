/**
 * A detector on ONNX Runtime: a resdet detector checkpoint exported on the fly (with its `--set` overrides) and
 * cached next to it (export_cache.ts), or a `.onnx` file written by `resdet export`, whose metadata carries the
 * class map and test transform. `loadDetector(path, { engine: 'onnxruntime' })` (detection/detector.ts) and
 * `resdet predict --engine onnxruntime` come here.
 */
import * as fs from 'fs';
import { readMetadata } from '../onnx/model_proto';
import { detectorInfoFromMetadata } from '../detector/detector_metadata';
import { checkpointKind } from '../export_checkpoint';
import { CheckpointError } from '../../run/checkpoint';
import { cachedExport } from './export_cache';
import { OnnxDetector } from './onnx_detector';
import { OnnxRuntimeError } from './onnxruntime';

export interface OnnxDetectorOptions {
  /** `key=value` overrides of the checkpoint's config, baked into the on-the-fly export */
  sets?: string[];
  /** opset of an on-the-fly export (default 17) */
  opset?: number;
  /** told what happened to the on-the-fly export (reused, written, not kept) */
  onNote?: (message: string) => void;
}

export const isOnnxFile = (file: string): boolean => /\.onnx$/i.test(file);

async function fromBytes(bytes: Uint8Array, source: string): Promise<OnnxDetector> {
  let meta: Record<string, string>;
  try {
    meta = readMetadata(bytes);
  } catch (e) {
    throw new OnnxRuntimeError(`${source}: not an ONNX model (${(e as Error).message})`);
  }
  return OnnxDetector.open(bytes, detectorInfoFromMetadata(meta, source), source);
}

export async function loadOnnxDetector(weights: string, o: OnnxDetectorOptions = {}): Promise<OnnxDetector> {
  if (isOnnxFile(weights)) {
    if (!fs.existsSync(weights)) throw new OnnxRuntimeError(`${weights}: no such file`);
    if (o.sets?.length) throw new OnnxRuntimeError(`${weights}: an exported model has its settings built in; --set needs the checkpoint`);
    return fromBytes(await fs.promises.readFile(weights), weights);
  }
  const { kind, meta } = await checkpointKind(weights);
  if (kind !== 'detector') throw new CheckpointError(`${meta ?? weights}: a ${kind} checkpoint, not a detector`);
  const exported = await cachedExport(weights, { opset: o.opset, sets: o.sets });
  o.onNote?.(exported.note ?? (exported.reused ? `ONNX export reused: ${exported.file}` : `exported to ONNX: ${exported.file}`));
  return fromBytes(exported.bytes, exported.file ?? weights);
}
