/**
 * End-to-end (approximate joint) training of Faster R-CNN (either layout, `model.type`), a task of the training
 * harness (run/training_harness.ts, which owns the run folder, resume, Ctrl-C, checkpoints and the log): SGD with
 * momentum (or Adam/AdamW, `solver.optimizer`) and weight decay, linear warm-up and step decay, images batched by aspect ratio and decoded ahead of
 * the step, checkpoints every `checkpoint.period` iterations and at the end, a log record of every loss.
 * Every random draw (batch order, flips, anchor and RoI sampling) comes from its own named stream of the seed and
 * the epoch or step, so `--resume` after an interruption logs the same losses as an uninterrupted run.
 */
import * as tf from '@tensorflow/tfjs';
import { tensorFromCopy } from '../engine/tensor_copy';
import { DetectorConfig } from './config';
import { buildDetectorModel, DetectorModel } from './modeling/detector_model';
import { ImageTargets } from './structures';
import { initBackend, backendChoice } from '../engine/backend';
import { seedInit } from '../engine/nn/init';
import { createOptimizer, Optimizer } from '../engine/optim/optimizer';
import { learningRate } from '../engine/optim/lr_schedule';
import { CheckpointError } from '../run/checkpoint';
import { JsonlLog } from '../run/jsonl_log';
import { runTraining, TrainingTask, TrainingOptions, TrainingResult } from '../run/training_harness';
import { Rng } from '../engine/rng';
import { Shard } from '../engine/distributed/shard';
import { processWorld } from '../engine/distributed/world';
import { requireGlobalBatch } from '../engine/distributed/global_batch';
import { DetectionDataset, DatasetRecord } from '../datasets/detection/record';
import { aspectGroupedBatches } from '../datasets/detection/pipeline/grouping';
import { BatchProducer } from '../datasets/detection/pipeline/producer';
import { DecodedImageCache } from '../datasets/detection/pipeline/decoded_cache';
import { Batch as ProducedBatch } from '../datasets/detection/pipeline/batch';
import { planImage } from '../datasets/detection/pipeline/transforms';
import { openDetectorDataset } from './open_dataset';
import { trainTransforms } from './transforms';
import { SkippedImages } from '../datasets/detection/skipped_images';
import { DatasetError } from '../datasets/classification/types';
import { detectorValidationLoss, validationSample, withTargets } from './validation_loss';

/** out, resume, force, quiet, maxSteps: run/training_harness.ts */
export interface TrainDetectorOptions extends TrainingOptions {
  /** called after training with the model, for evaluation (the trainer itself imports no evaluator) */
  evaluate?: (model: DetectorModel, step: number) => Promise<Record<string, unknown>>;
  /** a detector checkpoint to start from (fine-tuning): what fits is loaded, the rest keeps its init */
  init?: (model: DetectorModel) => Promise<void>;
}

/** steps, trainSeconds, imagesPerSecond, checkpoint, metrics (of the final evaluation): run/training_harness.ts */
export interface TrainDetectorResult extends Omit<TrainingResult, 'last'> {
  backend: string;
  /** the last step's loss and its parts */
  finalLosses: Record<string, number>;
  skippedImages: number;
}

/** No batch could be decoded from `step` to the end of its epoch (e.g. every image is unreadable). */
function unreadableError(dataset: string, step: number, skipped: { file: string; message: string }[]): DatasetError {
  const first = skipped[0];
  return new DatasetError(`${dataset}: no readable image${step ? ` from step ${step} to the end of its epoch` : ''} ` +
    `(${skipped.length} image(s) skipped${first ? `, e.g. ${first.file}: ${first.message}` : ''})`);
}

/**
 * The batches of steps `from`…`end - 1`, epoch by epoch: the epoch's aspect-grouped order (stream 'batch-order')
 * and its transforms (stream 'augment', replayed from the epoch's start to `from`), decoded ahead by a producer.
 */
async function* detectorBatches(cfg: DetectorConfig, records: DatasetRecord[], log: JsonlLog, skipped: SkippedImages, from: number, end: number, shard: Shard): AsyncGenerator<ProducedBatch> {
  // images found unreadable when the dataset was opened (said on the console then), once per invocation
  for (const f of skipped.list) log.write({ type: 'skipped_image', file: f.file, message: f.reason });
  const transforms = trainTransforms(cfg);
  const sizes = records.map((r) => ({ width: r.width, height: r.height }));
  const ims = cfg.solver.imsPerBatch;
  const perEpoch = aspectGroupedBatches(sizes, ims, Rng.stream(cfg.seed, 'batch-order', 0)).length;
  const onSkip = (file: string, message: string) => void (skipped.add(file, message) && log.write({ type: 'skipped_image', file, message }));
  const cache = new DecodedImageCache(); // each image decoded once, not once per epoch (within the cache's budget)
  let s = from;
  while (s < end) {
    const epoch = Math.floor(s / perEpoch);
    const batches = aspectGroupedBatches(sizes, ims, Rng.stream(cfg.seed, 'batch-order', epoch));
    const rng = Rng.stream(cfg.seed, 'augment', epoch);
    for (const b of batches.slice(0, s - epoch * perEpoch)) for (const i of b) planImage(records[i], transforms, rng);
    const producer = new BatchProducer(records, batches.slice(s - epoch * perEpoch), { transforms, onSkip, cache, shard: shard.size > 1 ? shard : undefined }, rng);
    let trained = 0;
    for await (const batch of producer) {
      trained++;
      s++;
      yield batch;
      if (s >= end) break;
    }
    if (trained === 0) throw unreadableError(cfg.data.train.path, s, producer.skipped);
  }
}

function lrSchedule(cfg: DetectorConfig) {
  return {
    baseLr: cfg.solver.lr,
    policy: 'multistep' as const,
    gamma: cfg.solver.gamma,
    milestones: cfg.solver.steps.map((f) => Math.round(f * cfg.solver.maxIters)),
    warmupIters: cfg.solver.warmupIters,
    warmupFactor: cfg.solver.warmupFactor,
  };
}

interface TaskData {
  ds: DetectionDataset;
  /** the training records (with a box) */
  records: DatasetRecord[];
  /** the validation loss's sample of data.test (empty: none) */
  valSample: DatasetRecord[];
  skipped: SkippedImages;
}

function detectorTask(cfg: DetectorConfig, { ds, records, valSample, skipped }: TaskData, model: DetectorModel, optimizer: Optimizer, backend: string, opts: TrainDetectorOptions): TrainingTask<ProducedBatch> {
  const schedule = lrSchedule(cfg);
  return {
    model,
    optimizer,
    totalSteps: cfg.solver.maxIters,
    config: cfg,
    checkpointMeta: { kind: 'detector', classes: ds.classes, config: cfg },
    checkResume: (meta) => (meta.kind !== 'detector' ? 'not a detector checkpoint' : null),
    initFresh: async () => {
      if (opts.init) await opts.init(model);
      else if (cfg.model.pretrained) await model.loadBackboneWeights(cfg.model.pretrained);
    },
    startRecord: { backend, reason: backendChoice()?.reason, images: records.length, classes: ds.classes.names },
    learningRate: (step) => learningRate(schedule, step),
    batches: (from, end, log, shard) => detectorBatches(cfg, records, log, skipped, from, end, shard),
    imagesIn: (batch) => batch.metas.length,
    loss: (batch, step) => () => {
      // a copy: the producer recycles its batch buffers, and a TypedArray backend would keep this one by reference
      const x = tensorFromCopy<tf.Rank.R4>(batch.images, batch.shape);
      const imgSizes = batch.metas.map((m) => ({ width: m.geometry.width, height: m.geometry.height }));
      const targets: ImageTargets[] = batch.metas.map((m) => ({ boxes: m.boxes, labels: m.labels, crowdBoxes: m.crowdBoxes }));
      // one sampling stream per image: an image is sampled the same in whichever process and batch it is
      return model.losses(x, imgSizes, targets, batch.metas.map((m) => Rng.stream(cfg.seed, 'sampling', step, m.index)));
    },
    stepRecord: (batch, r) => ({ images: batch.metas.length, fields: { ...r.parts, tensors: tf.memory().numTensors } }),
    isCheckpointStep: (step) => step % cfg.checkpoint.period === 0,
    evalEvery: cfg.eval.period || null,
    validationLoss: valSample.length ? detectorValidationLoss(cfg, model, valSample) : undefined,
    evaluate: opts.evaluate ? (step) => opts.evaluate!(model, step) : undefined,
    evalCommand: (checkpoint) => `resdet eval model --weights ${checkpoint}`,
    endRecord: () => (skipped.count ? { type: 'skipped_total', count: skipped.count } : null),
  };
}

export async function trainDetector(cfg: DetectorConfig, opts: TrainDetectorOptions): Promise<TrainDetectorResult> {
  const backend = await initBackend(cfg.backend);
  requireGlobalBatch(cfg.solver.imsPerBatch, 'solver.imsPerBatch', processWorld());
  const skipped = new SkippedImages(); // distinct files, said once on the console
  const ds = await openDetectorDataset(cfg.data.train, undefined, skipped);
  const records = withTargets(ds.records, cfg.data.includeDifficult); // torchvision drops images without boxes from training
  if (!records.length) throw new CheckpointError(`${cfg.data.train.path}: no image with a training box`);
  const valSample = cfg.eval.period && cfg.eval.valImages ? await validationSample(cfg, ds.classes.names) : [];
  seedInit(cfg.seed);
  const model = buildDetectorModel(cfg.model, ds.classes.names.length);
  const optimizer = createOptimizer(cfg.solver);
  try {
    const r = await runTraining(detectorTask(cfg, { ds, records, valSample, skipped }, model, optimizer, backend, opts), opts);
    return { steps: r.steps, trainSeconds: r.trainSeconds, imagesPerSecond: r.imagesPerSecond, backend, checkpoint: r.checkpoint, finalLosses: r.last, metrics: r.metrics, skippedImages: skipped.count };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
