/**
 * End-to-end (approximate joint) training of Faster R-CNN (either layout, `model.type`): SGD with momentum and weight decay, linear
 * warm-up and step decay, images batched by aspect ratio and decoded ahead of the step, checkpoints every
 * `checkpoint.period` iterations and at the end, a progress bar and a JSON-lines log of every loss.
 * Every random draw (batch order, flips, anchor and RoI sampling) derives from the seed, the epoch and the
 * step, so `--resume` after an interruption logs the same losses as an uninterrupted run.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as YAML from 'yaml';
import { InterruptedError } from '../run/interrupt';
import { DetectorConfig } from './config';
import { buildDetectorModel, DetectorModel } from './modeling/detector_model';
import { ImageTargets } from './structures';
import { initBackend, backendChoice } from '../engine/backend';
import { seedInit } from '../engine/nn/init';
import { SGD } from '../engine/optim/sgd';
import { learningRate } from '../engine/optim/lr_schedule';
import { trainStep } from '../engine/train_step';
import { saveCheckpoint, CheckpointError } from '../run/checkpoint';
import { resumeRun } from '../run/resume';
import { openRunFolder } from '../run/run_folder';
import { atomicWrite } from '../engine/atomic_write';
import { JsonlLog } from '../run/jsonl_log';
import { Progress } from '../run/progress';
import { Rng } from '../engine/rng';
import { DetectionDataset, DatasetRecord } from '../datasets/detection/record';
import { aspectGroupedBatches } from '../datasets/detection/pipeline/grouping';
import { BatchProducer } from '../datasets/detection/pipeline/producer';
import { planImage, TransformOptions } from '../datasets/detection/pipeline/transforms';
import { openDetectorDataset } from './open_dataset';
import { DatasetError } from '../datasets/classification/types';

export interface TrainDetectorOptions {
  out: string;
  resume?: boolean;
  /** start over in a folder that holds a run (its files are moved aside) */
  force?: boolean;
  quiet?: boolean;
  /** stop after this many steps of this invocation (tests, interruption experiments) */
  maxSteps?: number;
  /** called after training with the model, for evaluation (the trainer itself imports no evaluator) */
  evaluate?: (model: DetectorModel, step: number) => Promise<Record<string, unknown>>;
  /** a detector checkpoint to start from (fine-tuning): what fits is loaded, the rest keeps its init */
  init?: (model: DetectorModel) => Promise<void>;
}

export interface TrainDetectorResult {
  steps: number;
  trainSeconds: number;
  imagesPerSecond: number;
  backend: string;
  checkpoint: string;
  finalLosses: Record<string, number>;
  metrics?: Record<string, unknown>;
  skippedImages: number;
}

export function trainTransforms(cfg: DetectorConfig): TransformOptions {
  const { shortSides, maxSize, flip, normalization, resize, includeDifficult, photometric } = cfg.data;
  // jitter only when asked for: drawing its factors would change the random stream of runs without it
  const jitter = Object.values(photometric).some((x) => x > 0) ? { ...photometric } : undefined;
  return { shortSides, maxSize, flip, normalization, resize, includeDifficult, ...(jitter ? { jitter } : {}) };
}

export function testTransforms(cfg: DetectorConfig): TransformOptions {
  return { shortSides: [cfg.data.testShortSide], maxSize: cfg.data.maxSize, flip: false, normalization: cfg.data.normalization, resize: cfg.data.resize, includeDifficult: true };
}

/** Records with at least one training target (torchvision drops images without boxes from training). */
function trainable(ds: DetectionDataset, includeDifficult: boolean): DatasetRecord[] {
  return ds.records.filter((r) => r.labels.some((_, i) => !r.crowd[i] && (includeDifficult || !r.difficult[i])));
}

/** No batch could be decoded from `step` to the end of its epoch (e.g. every image is unreadable). */
function unreadableError(dataset: string, step: number, skipped: { file: string; message: string }[]): DatasetError {
  const first = skipped[0];
  return new DatasetError(`${dataset}: no readable image${step ? ` from step ${step} to the end of its epoch` : ''} ` +
    `(${skipped.length} image(s) skipped${first ? `, e.g. ${first.file}: ${first.message}` : ''})`);
}

export async function trainDetector(cfg: DetectorConfig, opts: TrainDetectorOptions): Promise<TrainDetectorResult> {
  const backend = await initBackend(cfg.backend);
  const ds = await openDetectorDataset(cfg.data.train);
  const records = trainable(ds, cfg.data.includeDifficult);
  if (!records.length) throw new CheckpointError(`${cfg.data.train.path}: no image with a training box`);
  seedInit(cfg.seed);
  const model = buildDetectorModel(cfg.model, ds.classes.names.length);
  const optimizer = new SGD({ momentum: cfg.solver.momentum, weightDecay: cfg.solver.weightDecay });
  const ims = cfg.solver.imsPerBatch;
  const total = cfg.solver.maxIters;
  const schedule = {
    baseLr: cfg.solver.lr,
    policy: 'multistep' as const,
    gamma: cfg.solver.gamma,
    milestones: cfg.solver.steps.map((f) => Math.round(f * total)),
    warmupIters: cfg.solver.warmupIters,
    warmupFactor: cfg.solver.warmupFactor,
  };
  const notes = openRunFolder(opts.out, opts);
  for (const n of notes) process.stderr.write(`resdet: ${n}\n`);
  fs.mkdirSync(opts.out, { recursive: true });
  const log = new JsonlLog(path.join(opts.out, 'log.jsonl'));
  for (const n of notes) log.write({ type: 'note', message: n });
  let step = 0;
  const resumed = opts.resume ? await resumeRun(opts.out, model, optimizer, log, (meta) => (meta.kind !== 'detector' ? 'not a detector checkpoint' : null)) : null;
  if (resumed !== null) {
    step = resumed;
  } else if (opts.init) {
    await opts.init(model);
  } else if (cfg.model.pretrained) {
    await model.loadBackboneWeights(cfg.model.pretrained);
  }
  await atomicWrite(path.join(opts.out, 'config.yaml'), [Buffer.from(YAML.stringify(cfg))]);
  log.write({ type: 'start', step, totalSteps: total, backend, reason: backendChoice()?.reason, images: records.length, classes: ds.classes.names });

  const params = model.trainableParameters();
  const meta = { kind: 'detector', classes: ds.classes, config: cfg };
  const saveAt = (s: number) => saveCheckpoint(opts.out, `step-${String(s).padStart(7, '0')}`, model, { ...meta, step: s }, optimizer.state());
  const transforms = trainTransforms(cfg);
  const sizes = records.map((r) => ({ width: r.width, height: r.height }));
  let skipped = 0;

  /** The batches of the epoch holding `step`, from that step on, with the transform rng replayed to it. */
  const producerFrom = (s: number) => {
    const probe = aspectGroupedBatches(sizes, ims, new Rng(cfg.seed * 1_000_003 + 0));
    const perEpoch = probe.length;
    const epoch = Math.floor(s / perEpoch);
    const batches = aspectGroupedBatches(sizes, ims, new Rng(cfg.seed * 1_000_003 + epoch));
    const rng = new Rng(cfg.seed * 7919 + epoch);
    for (const b of batches.slice(0, s - epoch * perEpoch)) for (const i of b) planImage(records[i], transforms, rng);
    const onSkip = (file: string, message: string) => log.write({ type: 'skipped_image', file, message });
    return new BatchProducer(records, batches.slice(s - epoch * perEpoch), { transforms, onSkip }, rng);
  };

  let interrupted = false;
  const onSigint = () => (interrupted = true);
  process.once('SIGINT', onSigint);
  const progress = new Progress('train', total, opts.quiet, step);
  const end = Math.min(total, step + (opts.maxSteps ?? Infinity));
  const t0 = Date.now();
  let images = 0;
  let last: Record<string, number> = {};
  let checkpoint = '';
  model.train();
  try {
    while (step < end && !interrupted) {
      const producer = producerFrom(step);
      let trained = 0;
      for await (const batch of producer) {
        trained++;
        const lr = learningRate(schedule, step);
        // a copy: the producer recycles its batch buffers, and a TypedArray backend would keep this one by reference
        const x = tf.tensor4d(batch.images.slice(), batch.shape);
        const imgSizes = batch.metas.map((m) => ({ width: m.geometry.width, height: m.geometry.height }));
        const targets: ImageTargets[] = batch.metas.map((m) => ({ boxes: m.boxes, labels: m.labels, crowdBoxes: m.crowdBoxes }));
        const rng = new Rng(cfg.seed + 104_729 * (step + 1));
        const r = trainStep(params, () => model.losses(x, imgSizes, targets, rng), optimizer, lr);
        x.dispose();
        step++;
        images += batch.metas.length;
        last = { loss: r.loss, ...r.parts };
        const ips = images / ((Date.now() - t0) / 1000);
        log.write({ type: 'train', step, ...last, lr, imgPerSec: ips, tensors: tf.memory().numTensors });
        progress.update(step, { ...last, lr, 'img/s': ips });
        if (step % cfg.checkpoint.period === 0 || step === total || interrupted) checkpoint = await saveAt(step);
        if (opts.evaluate && cfg.eval.period && step % cfg.eval.period === 0 && step < total) {
          log.write({ type: 'eval', step, ...(await opts.evaluate(model, step)) });
          model.train();
        }
        if (step >= end || interrupted) break;
      }
      skipped += producer.skipped.length;
      if (trained === 0) throw unreadableError(cfg.data.train.path, step, producer.skipped);
    }
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSigint);
  }
  const trainSeconds = (Date.now() - t0) / 1000;
  if (!checkpoint || !checkpoint.includes(String(step).padStart(7, '0'))) checkpoint = await saveAt(step);
  const result: TrainDetectorResult = {
    steps: step,
    trainSeconds,
    imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
    backend,
    checkpoint,
    finalLosses: last,
    skippedImages: skipped,
  };
  if (skipped) log.write({ type: 'skipped_total', count: skipped });
  if (!interrupted && step === total && opts.evaluate) {
    result.metrics = await opts.evaluate(model, step);
    log.write({ type: 'eval', step, ...result.metrics });
  }
  optimizer.dispose();
  model.dispose();
  if (interrupted) throw new InterruptedError(`interrupted at step ${step}; checkpoint ${checkpoint}; continue with --resume`);
  return result;
}

