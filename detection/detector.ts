/**
 * A trained detector for Node programs: `loadDetector(checkpoint)` rebuilds the model from a checkpoint's
 * config and class map (either layout, `model.type`), and `detect(path)` runs the test transforms and returns detections in the image's
 * original pixels with class names and the dataset's category ids.
 */
import * as fs from 'fs';
import * as path from 'path';
import { resolveCheckpoint, readCheckpointMeta, readTorchLayoutTensors, CheckpointError } from '../run/checkpoint';
import { ClassMap, emptyRecord } from '../datasets/detection/record';
import { orientedSize } from '../datasets/classification/decode';
import { DetectorConfig } from './config';
import { buildDetectorModel, DetectorModel } from './modeling/detector_model';
import { deepMerge, loadConfig } from '../run/config';
import { DETECTOR_DEFAULTS, DETECTOR_SCHEMA } from './config';
import { detectRecords, ImageDetections } from './inference';
import { testTransforms } from './trainer';

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

  /** Detections of one image file, sorted by descending score, above `scoreThresh`. */
  async detect(file: string, scoreThresh = 0): Promise<Detection[]> {
    const [d] = await this.detectFiles([file]);
    return toDetections(d, this.classes).filter((x) => x.score >= scoreThresh);
  }

  async detectFiles(files: string[], opts: { quiet?: boolean } = {}): Promise<ImageDetections[]> {
    const records = await Promise.all(
      files.map(async (f, i) => {
        if (!fs.existsSync(f)) throw new CheckpointError(`${f}: no such image`);
        const { width, height } = await orientedSize(f);
        return emptyRecord(i + 1, path.resolve(f), width, height);
      }),
    );
    const { detections } = await detectRecords(this.model, records, testTransforms(this.config), { quiet: opts.quiet ?? true });
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

/**
 * `sets`: `key=value` overrides of the checkpoint's own config (validated like `--set`), e.g. inference settings
 * (`model.rpn.postNmsTopNTest=…`, `model.roiHeads.scoreThresh=…`); architecture keys that no longer fit the
 * weights fail with the list of mis-shaped tensors.
 */
export async function loadDetector(checkpoint: string, opts: { sets?: string[] } = {}): Promise<Detector> {
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
