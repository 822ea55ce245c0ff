/**
 * The detector's validation loss during training: its losses on the first `eval.valImages` images of data.test
 * that have a training box, at the test transforms (one short side, no flip, no jitter), in eval mode (batch norm
 * uses its running statistics and updates nothing), with no gradient and no parameter update. The RPN and RoI
 * samplers draw from their own stream (seed, 'val', step), so the training's random streams do not shift and a
 * pass repeated at the same step gives the same value. The value is the mean over the images of the total loss
 * and of each part.
 */
import * as tf from '@tensorflow/tfjs';
import { tensorFromCopy } from '../engine/tensor_copy';
import { DetectorConfig } from './config';
import { DetectorModel } from './modeling/detector_model';
import { ImageTargets } from './structures';
import { testTransforms } from './transforms';
import { openDetectorDataset } from './open_dataset';
import { Rng } from '../engine/rng';
import { DatasetRecord } from '../datasets/detection/record';
import { BatchProducer } from '../datasets/detection/pipeline/producer';
import { Batch } from '../datasets/detection/pipeline/batch';
import { SkippedImages } from '../datasets/detection/skipped_images';
import { ConfigError } from '../run/config';

/** Records with at least one training target (the losses need one box per image). */
export function withTargets(records: DatasetRecord[], includeDifficult: boolean): DatasetRecord[] {
  return records.filter((r) => r.labels.some((_, i) => !r.crowd[i] && (includeDifficult || !r.difficult[i])));
}

/** The summed (over its images) total loss and parts of one batch, in eval mode, every tensor disposed. */
function batchLosses(model: DetectorModel, batch: Batch, rng: Rng): Record<string, number> {
  const n = batch.metas.length;
  return tf.tidy(() => {
    const x = tensorFromCopy<tf.Rank.R4>(batch.images, batch.shape);
    const sizes = batch.metas.map((m) => ({ width: m.geometry.width, height: m.geometry.height }));
    const targets: ImageTargets[] = batch.metas.map((m) => ({ boxes: m.boxes, labels: m.labels, crowdBoxes: m.crowdBoxes }));
    const { total, parts } = model.losses(x, sizes, targets, rng);
    const sums: Record<string, number> = { loss: total.dataSync()[0] * n };
    for (const [k, v] of Object.entries(parts)) sums[k] = v.dataSync()[0] * n;
    return sums;
  });
}

/**
 * The mean losses of `model` on `records` (batches of `batchSize`, in order) with sampling stream `rng`; the
 * model is left in eval mode (the caller restores its mode). Null when no image could be read.
 */
export async function detectorLossOn(model: DetectorModel, records: DatasetRecord[], cfg: DetectorConfig, batchSize: number, rng: Rng): Promise<Record<string, number> | null> {
  const batches: Int32Array[] = [];
  for (let i = 0; i < records.length; i += batchSize) batches.push(Int32Array.from({ length: Math.min(batchSize, records.length - i) }, (_, k) => i + k));
  const transforms = { ...testTransforms(cfg), includeDifficult: cfg.data.includeDifficult };
  const producer = new BatchProducer(records, batches, { transforms, workers: 0 }, null);
  model.eval();
  const sums: Record<string, number> = {};
  let images = 0;
  for await (const batch of producer) {
    for (const [k, v] of Object.entries(batchLosses(model, batch, rng))) sums[k] = (sums[k] ?? 0) + v;
    images += batch.metas.length;
  }
  if (!images) return null;
  const mean: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) mean[k] = v / images;
  return { ...mean, images };
}

/**
 * The validation sample: the first `eval.valImages` images of data.test that have a box, opened up front so that
 * a missing or broken test set stops the run before its first step. Its labels must index the training classes,
 * so a test set whose class list differs is a ConfigError that says how to turn the validation loss off.
 */
export async function validationSample(cfg: DetectorConfig, classes: string[]): Promise<DatasetRecord[]> {
  const ds = await openDetectorDataset(cfg.data.test, undefined, new SkippedImages());
  if (ds.classes.names.join('\n') !== classes.join('\n')) {
    const list = (n: string[]) => `${n.length} (${n.slice(0, 5).join(', ')}${n.length > 5 ? ', …' : ''})`;
    throw new ConfigError(`eval.valImages: the classes of data.test ${cfg.data.test.path}, ${list(ds.classes.names)}, are not those of data.train, ` +
      `${list(classes)}; the validation loss needs the same classes in the same order (eval.valImages: 0 turns it off)`);
  }
  return withTargets(ds.records, cfg.data.includeDifficult).slice(0, cfg.eval.valImages);
}

/** The trainer's validation loss at `step`: the mean losses of `model` on `sample` with the stream (seed, 'val', step). */
export function detectorValidationLoss(cfg: DetectorConfig, model: DetectorModel, sample: DatasetRecord[]): (step: number) => Promise<Record<string, number> | null> {
  return (step) => detectorLossOn(model, sample, cfg, cfg.solver.imsPerBatch, Rng.stream(cfg.seed, 'val', step));
}
