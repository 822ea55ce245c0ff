/**
 * A trained detector for Node programs: `loadDetector(checkpoint)` rebuilds the model from a checkpoint's
 * config and class map (either layout, `model.type`), and `detect(path)` runs the test transforms and returns detections in the image's
 * original pixels with class names and the dataset's category ids. `loadDetector(path, { engine: 'onnxruntime' })`
 * runs the ONNX export of the checkpoint (or a .onnx file) on ONNX Runtime instead, with the same results.
 */
import * as fs from 'fs';
import * as path from 'path';
import { resolveCheckpoint, readCheckpointMeta, readTorchLayoutTensors, CheckpointError } from '../run/checkpoint';
import { ClassMap, DatasetRecord, emptyRecord } from '../datasets/detection/record';
import { SkippedImages } from '../datasets/detection/skipped_images';
import { DatasetError } from '../datasets/classification/types';
import { orientedSize } from '../datasets/classification/decode';
import { DetectorConfig } from './config';
import { buildDetectorModel, DetectorModel } from './modeling/detector_model';
import { deepMerge, loadConfig } from '../run/config';
import { DETECTOR_DEFAULTS, DETECTOR_SCHEMA } from './config';
import { detectRecords, ImageDetections } from './inference';
import { testTransforms } from './transforms';

export interface Detection {
  /** [x1, y1, x2, y2] in original-image pixels */
  box: [number, number, number, number];
  score: number;
  label: number;
  className: string;
  categoryId: number;
}

export class Detector {
  constructor(readonly model: DetectorModel, readonly config: DetectorConfig, readonly classes: ClassMap) {}

  /** Detections of one image file, sorted by descending score, above `scoreThresh`; an unreadable image throws a DatasetError naming it. */
  async detect(file: string, scoreThresh = 0): Promise<Detection[]> {
    const skipped = new SkippedImages(null);
    const [d] = await this.detectFiles([file], { skipped });
    if (!d) throw new DatasetError(`${file}: ${skipped.list[0]?.reason ?? 'cannot read image'}`);
    return toDetections(d, this.classes).filter((x) => x.score >= scoreThresh);
  }

  /**
   * Detections of the readable files among `files` (a missing file throws); an unreadable one is left out and
   * added to `opts.skipped` (datasets/detection/skipped_images.ts), which says so unless made silent.
   */
  async detectFiles(files: string[], opts: { quiet?: boolean; skipped?: SkippedImages } = {}): Promise<ImageDetections[]> {
    const skipped = opts.skipped ?? new SkippedImages(null);
    const sized = await Promise.all(
      files.map(async (f, i) => {
        if (!fs.existsSync(f)) throw new CheckpointError(`${f}: no such image`);
        const file = path.resolve(f);
        try {
          const { width, height } = await orientedSize(file);
          return emptyRecord(i + 1, file, width, height);
        } catch (e) {
          skipped.add(file, (e as Error).message);
          return null;
        }
      }),
    );
    const records = sized.filter((r): r is DatasetRecord => r !== null);
    if (!records.length) return [];
    const onSkip = (file: string, message: string) => void skipped.add(file, message);
    const { detections } = await detectRecords(this.model, records, testTransforms(this.config), { quiet: opts.quiet ?? true, onSkip });
    return detections;
  }

  dispose(): void {
    this.model.dispose();
  }
}

export function toDetections(d: ImageDetections, classes: ClassMap): Detection[] {
  return Array.from(d.scores, (score, k) => ({
    box: Array.from(d.boxes.subarray(4 * k, 4 * k + 4)) as [number, number, number, number],
    score,
    label: d.labels[k],
    className: classes.names[d.labels[k]],
    categoryId: classes.categoryIds[d.labels[k]],
  }));
}

export const DETECTOR_ENGINES = ['tfjs', 'onnxruntime'] as const;
export type DetectorEngine = (typeof DETECTOR_ENGINES)[number];

/** What both engines' detectors offer: the tfjs Detector and the ONNX Runtime one (export/runtime/onnx_detector.ts). */
export interface ObjectDetector {
  readonly classes: ClassMap;
  detect(file: string, scoreThresh?: number): Promise<Detection[]>;
  detectFiles(files: string[], opts?: { quiet?: boolean; skipped?: SkippedImages }): Promise<ImageDetections[]>;
  dispose(): void;
}

export interface LoadDetectorOptions {
  sets?: string[];
  /** 'tfjs' (default) or 'onnxruntime': the checkpoint exported to ONNX (cached next to it), or a .onnx file */
  engine?: DetectorEngine;
  /** onnxruntime: opset of the on-the-fly export */
  opset?: number;
  /** onnxruntime: told what happened to the on-the-fly export */
  onNote?: (message: string) => void;
}

/**
 * `sets`: `key=value` overrides of the checkpoint's own config (validated like `--set`), e.g. inference settings
 * (`model.rpn.postNmsTopNTest=…`, `model.roiHeads.scoreThresh=…`); architecture keys that no longer fit the
 * weights fail with the list of mis-shaped tensors.
 */
export async function loadDetector(checkpoint: string, opts?: LoadDetectorOptions & { engine?: 'tfjs' }): Promise<Detector>;
export async function loadDetector(checkpoint: string, opts: LoadDetectorOptions): Promise<ObjectDetector>;
export async function loadDetector(checkpoint: string, opts: LoadDetectorOptions = {}): Promise<ObjectDetector> {
  if (opts.engine === 'onnxruntime') {
    // loaded when asked for: the exporter itself loads detectors through this module
    const { loadOnnxDetector } = require('../export/runtime/load_onnx_detector') as typeof import('../export/runtime/load_onnx_detector');
    return loadOnnxDetector(checkpoint, opts);
  }
  if (/\.onnx$/i.test(checkpoint)) throw new CheckpointError(`${checkpoint}: an ONNX model runs on the onnxruntime engine (engine 'onnxruntime'), not tfjs`);
  const ck = resolveCheckpoint(checkpoint);
  if (!ck.meta) throw new CheckpointError(`${checkpoint}: not a resdet detector checkpoint (no metadata beside it)`);
  const meta = await readCheckpointMeta(ck.meta);
  if (meta.kind !== 'detector') throw new CheckpointError(`${ck.meta}: a ${meta.kind} checkpoint, not a detector`);
  // keys added since the checkpoint was written (model.type, …) take their defaults: older runs are C4
  const stored = deepMerge(DETECTOR_DEFAULTS, meta.config as DetectorConfig);
  const config = opts.sets?.length ? loadConfig<DetectorConfig>({ defaults: stored, schema: DETECTOR_SCHEMA, sets: opts.sets }) : stored;
  const classes = meta.classes as ClassMap;
  const model = buildDetectorModel(config.model, classes.names.length);
  model.loadStateDict(await readTorchLayoutTensors(ck.model), { source: ck.model, torchLayout: true });
  model.eval();
  return new Detector(model, config, classes);
}
