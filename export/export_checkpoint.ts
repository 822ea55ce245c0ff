/**
 * `resdet export`'s core: whatever `--weights` names (a run folder, a resdet checkpoint, torchvision weights with
 * an architecture) as the bytes of an ONNX file. The checkpoint's kind picks the exporter: classifiers
 * (export/classifier/) and detectors (export/detector/, the image-to-detections graph).
 */
import * as path from 'path';
import { resolveCheckpoint, readCheckpointMeta } from '../run/checkpoint';
import { loadClassifier } from '../backbone/classifier/checkpoint';
import { exportClassifier } from './classifier/export_classifier';
import { OnnxExportError } from './onnx/export_error';
import { checkOpsetRange } from './onnx/opsets';
import { loadDetector } from '../detection/detector';
import { testTransforms } from '../detection/transforms';
import { exportDetector } from './detector/export_detector';

export const EXPORT_FORMATS = ['onnx', 'web'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface CheckpointExportOptions {
  /** the architecture of torchvision weights (a resdet checkpoint names its own) */
  arch?: string;
  opset?: number;
  /** detectors: `key=value` overrides of the checkpoint's config (inference settings), as `predict --set` */
  sets?: string[];
}

export interface ExportedModel {
  kind: string;
  bytes: Uint8Array;
  /** one line for people: what was exported */
  summary: string;
}

type Exporter = (weights: string, metaFile: string | null, o: CheckpointExportOptions) => Promise<ExportedModel>;

async function classifierExporter(weights: string, _meta: string | null, o: CheckpointExportOptions): Promise<ExportedModel> {
  const { model, info } = await loadClassifier(weights, o.arch);
  try {
    const source = path.basename(resolveCheckpoint(weights).model);
    const bytes = exportClassifier(model, info, { opset: o.opset, source });
    return { kind: 'classifier', bytes, summary: `${info.arch} classifier, ${info.classNames.length} classes` };
  } finally {
    model.dispose();
  }
}

async function detectorExporter(weights: string, metaFile: string | null, o: CheckpointExportOptions): Promise<ExportedModel> {
  const meta = await readCheckpointMeta(metaFile!);
  if (!meta.classes || !meta.config) throw new OnnxExportError(`${metaFile}: a detector checkpoint without its classes and config, which resdet needs to rebuild the model`);
  const detector = await loadDetector(weights, { sets: o.sets });
  try {
    const source = path.basename(resolveCheckpoint(weights).model);
    const m = detector.config.model;
    const info = { layout: m.type ?? 'c4', arch: m.arch, classes: detector.classes, transform: testTransforms(detector.config) };
    const bytes = exportDetector(detector.model, info, { opset: o.opset, source });
    return { kind: 'detector', bytes, summary: `Faster R-CNN ${info.layout} (${m.arch}) detector, ${info.classes.names.length} classes` };
  } finally {
    detector.dispose();
  }
}

const EXPORTERS: Record<string, Exporter> = {
  classifier: classifierExporter,
  detector: detectorExporter,
};

/** The checkpoint's kind: its metadata's, or 'classifier' for weights without metadata (torchvision files, with --arch). */
export async function checkpointKind(weights: string): Promise<{ kind: string; meta: string | null }> {
  const ck = resolveCheckpoint(weights);
  if (!ck.meta) return { kind: 'classifier', meta: null };
  return { kind: (await readCheckpointMeta(ck.meta)).kind, meta: ck.meta };
}

export async function exportCheckpoint(weights: string, o: CheckpointExportOptions = {}): Promise<ExportedModel> {
  const { kind, meta } = await checkpointKind(weights);
  const exporter = EXPORTERS[kind];
  if (!exporter) throw new OnnxExportError(`${meta}: a '${kind}' checkpoint, which resdet cannot export (it exports classifier and detector checkpoints)`);
  if (o.opset !== undefined) checkOpsetRange(o.opset);
  return exporter(weights, meta, o);
}
