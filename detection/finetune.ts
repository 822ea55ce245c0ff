/**
 * Fine-tuning: a detector checkpoint (or ImageNet backbone weights) as the starting point for a new dataset.
 * Everything that transfers is kept — backbone, RPN, res5 (C4) or pyramid and box head (FPN) — and the
 * class-specific layers (`roi_heads.box_predictor.*` in both layouts) are re-initialised when the class set
 * differs. The schedule is short by default: about 12 passes over the data, lr decayed at 75%.
 */
import { DetectorConfig, DatasetSpec, DETECTOR_DEFAULTS } from './config';
import type { DetectorModel } from './modeling/detector_model';
import { resolveCheckpoint, readCheckpointMeta, readTorchLayoutTensors } from '../run/checkpoint';
import { deepMerge } from '../run/config';
import { ClassMap } from '../datasets/detection/record';

export interface StartingPoint {
  /** the detector config of the checkpoint, or null for ImageNet backbone weights */
  config: DetectorConfig | null;
  classes: ClassMap | null;
  weights: string;
}

export async function startingPoint(weights: string): Promise<StartingPoint> {
  const ck = resolveCheckpoint(weights);
  if (!ck.meta) return { config: null, classes: null, weights: ck.model };
  const meta = await readCheckpointMeta(ck.meta);
  if (meta.kind !== 'detector') return { config: null, classes: null, weights: ck.model };
  return { config: deepMerge(DETECTOR_DEFAULTS, meta.config as DetectorConfig), classes: meta.classes as ClassMap, weights: ck.model };
}

const sameClasses = (a: ClassMap | null, b: string[]) => !!a && a.names.length === b.length && a.names.every((n, i) => n === b[i]);

/** Loads a detector checkpoint into `model`, skipping the class-specific layers when the classes changed. */
export async function loadTransferable(model: DetectorModel, start: StartingPoint, classNames: string[]): Promise<{ reinitialised: string[] }> {
  if (!start.config) {
    await model.loadBackboneWeights(start.weights);
    return { reinitialised: [...model.headPrefixes] };
  }
  const keep = sameClasses(start.classes, classNames);
  const isPredictor = (k: string) => model.classSpecificPrefixes.some((p) => k.startsWith(`${p}.`));
  const values = await readTorchLayoutTensors(start.weights);
  if (!keep) for (const k of [...values.keys()]) if (isPredictor(k)) values.delete(k);
  model.loadStateDict(values, { source: start.weights, torchLayout: true, ignore: (k) => !keep && isPredictor(k) });
  return { reinitialised: keep ? [] : [...model.classSpecificPrefixes] };
}

/** The fine-tuning config: the starting detector's (or `base`) with the new data and a short schedule. */
export function finetuneConfig(base: DetectorConfig, train: DatasetSpec, test: DatasetSpec, numImages: number, iters?: number): DetectorConfig {
  const ims = base.solver.imsPerBatch;
  const maxIters = iters ?? Math.max(50, Math.min(5000, Math.ceil((12 * numImages) / ims)));
  return deepMerge(base, {
    model: { pretrained: null },
    data: { train, test },
    solver: { maxIters, steps: [0.75], warmupIters: Math.min(base.solver.warmupIters, Math.floor(maxIters / 10)) },
    checkpoint: { period: Math.max(1, Math.min(base.checkpoint.period, maxIters)) },
  });
}
