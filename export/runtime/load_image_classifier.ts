/**
 * A classifier ready to classify image files, on the engine asked for: `tfjs` (the ResNet on resdet's tfjs
 * backend; `initBackend` first) or `onnxruntime` (the ONNX export of the checkpoint, made on the fly and cached
 * next to it, or a `.onnx` file written by `resdet export`). Both give the same classes and probabilities
 * (to float rounding).
 */
import * as fs from 'fs';
import { loadClassifier } from '../../backbone/classifier/checkpoint';
import { ImageClassifier, TfjsClassifier } from '../../backbone/classifier/predict';
import { classifierInfoFromMetadata } from '../classifier/classifier_metadata';
import { readMetadata } from '../onnx/model_proto';
import { OnnxClassifier } from './onnx_classifier';
import { cachedExport } from './export_cache';
import { checkpointKind } from '../export_checkpoint';
import { CheckpointError } from '../../run/checkpoint';
import { OnnxRuntimeError } from './onnxruntime';

export const CLASSIFIER_ENGINES = ['tfjs', 'onnxruntime'] as const;
export type ClassifierEngine = (typeof CLASSIFIER_ENGINES)[number];

export interface ImageClassifierOptions {
  /** default: onnxruntime for a `.onnx` file, else tfjs */
  engine?: ClassifierEngine;
  /** the architecture of torchvision weights; for a checkpoint or `.onnx` file, checked against its own */
  arch?: string;
  /** opset of an on-the-fly export (default 17) */
  opset?: number;
  /** told what happened to the on-the-fly export (reused, written, not kept) */
  onNote?: (message: string) => void;
}

export const isOnnxFile = (file: string): boolean => /\.onnx$/i.test(file);

async function onnxClassifier(bytes: Uint8Array, source: string, arch?: string): Promise<ImageClassifier> {
  let meta: Record<string, string>;
  try {
    meta = readMetadata(bytes);
  } catch (e) {
    throw new OnnxRuntimeError(`${source}: not an ONNX model (${(e as Error).message})`);
  }
  const info = classifierInfoFromMetadata(meta, source);
  if (arch && arch !== info.arch) throw new OnnxRuntimeError(`${source}: a model of architecture ${info.arch}, but --arch ${arch} was given`);
  return OnnxClassifier.open(bytes, info, source);
}

export async function loadImageClassifier(weights: string, o: ImageClassifierOptions = {}): Promise<ImageClassifier> {
  const engine = o.engine ?? (isOnnxFile(weights) ? 'onnxruntime' : 'tfjs');
  if (isOnnxFile(weights)) {
    if (engine !== 'onnxruntime') throw new OnnxRuntimeError(`${weights}: an ONNX model runs on the onnxruntime engine (--engine onnxruntime), not ${engine}`);
    if (!fs.existsSync(weights)) throw new OnnxRuntimeError(`${weights}: no such file`);
    return onnxClassifier(await fs.promises.readFile(weights), weights, o.arch);
  }
  if (engine === 'tfjs') {
    const { model, info } = await loadClassifier(weights, o.arch);
    return new TfjsClassifier(model, info);
  }
  const { kind, meta } = await checkpointKind(weights);
  if (kind !== 'classifier') throw new CheckpointError(`${meta}: a ${kind} checkpoint, not a classifier`);
  const exported = await cachedExport(weights, { arch: o.arch, opset: o.opset });
  o.onNote?.(exported.note ?? (exported.reused ? `ONNX export reused: ${exported.file}` : `exported to ONNX: ${exported.file}`));
  return onnxClassifier(exported.bytes, exported.file ?? weights, o.arch);
}
