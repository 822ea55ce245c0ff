/**
 * Classification training of a ResNet (the paper's CIFAR recipe by default), a task of the training harness
 * (run/training_harness.ts, which owns the run folder, resume, Ctrl-C, checkpoints and the log): SGD with momentum
 * (or Adam/AdamW, `solver.optimizer`) and weight decay, multi-step decay, pad-and-crop + flip augmentation, a checkpoint every epoch, evaluation on the
 * test split at the end (and every `eval.everySteps` steps if set). Each step's log record holds the training
 * error of its (augmented) mini-batch, from the logits the step computed. Every random draw comes from a named
 * stream of the seed and the epoch or step, so a run resumed from a checkpoint continues exactly as an
 * uninterrupted one.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ClassifierConfig } from './config';
import { ClassifierInfo } from './checkpoint';
import { evaluateClassifier, ClassifierEvalResult } from './evaluate';
import { ResNet } from '../resnet';
import { BatchNorm2d } from '../../engine/nn/batch_norm2d';
import { Shard } from '../../engine/distributed/shard';
import { processWorld } from '../../engine/distributed/world';
import { requireGlobalBatch } from '../../engine/distributed/global_batch';
import { loadBackboneWeights } from '../load_weights';
import { initBackend, backendChoice } from '../../engine/backend';
import { seedInit } from '../../engine/nn/init';
import { createOptimizer, Optimizer } from '../../engine/optim/optimizer';
import { learningRate, LrScheduleConfig } from '../../engine/optim/lr_schedule';
import { atomicWrite } from '../../engine/atomic_write';
import { Rng } from '../../engine/rng';
import { runTraining, TrainingTask, TrainingOptions, TrainingResult } from '../../run/training_harness';
import { openClassificationDataset, makeBatch, NORMALISATION, ClassificationDataset, Batch } from '../../datasets/classification';

/** out, resume, force, quiet, maxSteps, skipEval (the final test-set evaluation): run/training_harness.ts */
export type TrainClassifierOptions = TrainingOptions;

/** steps, trainSeconds, imagesPerSecond, checkpoint: run/training_harness.ts */
export interface TrainClassifierResult extends Omit<TrainingResult, 'last' | 'metrics'> {
  finalLoss: number;
  backend: string;
  /** the final evaluation on the test split */
  test?: ClassifierEvalResult;
}

function normalisation(cfg: ClassifierConfig): { mean: number[]; std: number[] } {
  const known = NORMALISATION[cfg.data.dataset as keyof typeof NORMALISATION];
  const mean = cfg.data.mean ?? known?.mean ?? [0.5];
  const std = cfg.data.std ?? known?.std ?? [0.25];
  return { mean, std };
}

async function openSplit(cfg: ClassifierConfig, split: 'train' | 'test', limit?: number | null): Promise<ClassificationDataset> {
  return openClassificationDataset({
    name: cfg.data.dataset,
    dir: cfg.data.dir ?? undefined,
    split,
    limit: (limit ?? (split === 'train' ? cfg.data.limit : cfg.data.testLimit)) ?? undefined,
    imageSize: cfg.data.imageSize ?? undefined,
    padTo: cfg.data.padTo ?? undefined,
  });
}

/** Softmax cross-entropy of the logits and the fraction of misclassified items (argmax ≠ label): both batch means. */
function lossAndErrors(logits: tf.Tensor, labels: tf.Tensor1D, numClasses: number): { total: tf.Scalar; parts: Record<string, tf.Scalar> } {
  const total = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits) as tf.Scalar;
  const error = tf.mean(tf.cast(tf.notEqual(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
  return { total, parts: { error } };
}

/**
 * The evaluation during training at a step: the test split's first eval.curveLimit images (opened once), eval mode;
 * the step's result is kept, so the validation loss and the evaluation of the same step share one pass.
 */
function curveEvaluator(cfg: ClassifierConfig, model: ResNet, norm: { mean: number[]; std: number[] }) {
  let test: Promise<ClassificationDataset> | null = null;
  let last: { step: number; result: Promise<ClassifierEvalResult> } | null = null;
  return (step: number): Promise<ClassifierEvalResult> => {
    if (last?.step !== step) {
      test ??= openSplit(cfg, 'test', cfg.eval.curveLimit);
      const result = test.then((ds) => evaluateClassifier(model, ds, norm, { batchSize: cfg.eval.batchSize, quiet: true }));
      last = { step, result };
    }
    return last.result;
  };
}

/** The ResNet of the config for the dataset, its weights drawn from the seed; its batch norm frozen if asked. */
function classifierModel(cfg: ClassifierConfig, train: ClassificationDataset): ResNet {
  seedInit(cfg.seed);
  const model = new ResNet(cfg.model.arch, {
    numClasses: train.classNames.length,
    shortcut: cfg.model.shortcut ?? undefined,
    strideIn1x1: cfg.model.strideIn1x1,
    widthMultiplier: cfg.model.widthMultiplier,
    inputChannels: train.imageShape[2],
  });
  if (cfg.model.batchNorm === 'frozen') for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) m.freeze();
  return model;
}

function lrSchedule(cfg: ClassifierConfig, totalSteps: number): LrScheduleConfig {
  return {
    baseLr: cfg.solver.lr,
    policy: cfg.solver.policy,
    gamma: cfg.solver.gamma,
    milestones: cfg.solver.milestones.map((f) => Math.round(f * totalSteps)),
    maxIters: totalSteps,
    warmupIters: cfg.solver.warmupIters,
    warmupFactor: cfg.solver.warmupFactor,
    warmupMethod: cfg.solver.warmupMethod,
  };
}

/**
 * The batches of steps `from`…`end - 1`, the next one decoded while a step runs. Step s's batch is a slice of its
 * epoch's order (stream 'batch-order') augmented with its own stream ('augment', s): nothing depends on what was
 * drawn before, so a resumed run sees exactly the batches of an uninterrupted one. Of each, this process makes
 * its `shard` (every item's augmentation still drawn in order: an item is augmented as in the whole batch).
 */
async function* classifierBatches(cfg: ClassifierConfig, train: ClassificationDataset, norm: { mean: number[]; std: number[] }, from: number, end: number, shard: Shard): AsyncGenerator<Batch> {
  const perEpoch = Math.ceil(train.size / cfg.solver.batchSize);
  const batchAt = (s: number) => {
    const epoch = Math.floor(s / perEpoch);
    const order = Rng.stream(cfg.seed, 'batch-order', epoch).permutation(train.size);
    const b = s % perEpoch;
    const idx = order.subarray(b * cfg.solver.batchSize, Math.min(train.size, (b + 1) * cfg.solver.batchSize));
    const p = makeBatch(train, idx, { ...norm, augment: cfg.data.augment, rng: Rng.stream(cfg.seed, 'augment', s), shard });
    p.catch(() => undefined); // awaited below; a batch decoded ahead and never used must not be an unhandled rejection
    return p;
  };
  let next = from < end ? batchAt(from) : null;
  for (let s = from; s < end && next; s++) {
    const batch = await next;
    next = s + 1 < end ? batchAt(s + 1) : null;
    yield batch;
  }
}

function classifierTask(cfg: ClassifierConfig, train: ClassificationDataset, model: ResNet, optimizer: Optimizer, backend: string, quiet?: boolean): TrainingTask<Batch> {
  const norm = normalisation(cfg);
  const [h, w, c] = train.imageShape;
  const info: ClassifierInfo = { arch: cfg.model.arch, options: model.options, classNames: train.classNames, imageShape: [h, w, c], mean: norm.mean, std: norm.std };
  const perEpoch = Math.ceil(train.size / cfg.solver.batchSize);
  const totalSteps = Math.ceil(cfg.solver.epochs * perEpoch);
  const schedule = lrSchedule(cfg, totalSteps);
  const evalCurve = curveEvaluator(cfg, model, norm);
  return {
    model,
    optimizer,
    totalSteps,
    config: cfg,
    checkpointMeta: { kind: 'classifier', classifier: info, config: cfg },
    checkResume: (meta) => {
      const arch = (meta.classifier as ClassifierInfo | undefined)?.arch;
      return meta.kind !== 'classifier' ? 'not a classifier checkpoint' : arch !== cfg.model.arch ? `checkpoint of ${arch}, config says ${cfg.model.arch}` : null;
    },
    initFresh: async () => {
      if (cfg.model.pretrained) await loadBackboneWeights(model, cfg.model.pretrained, { skipClassifier: true, strict: true });
    },
    startRecord: { backend, reason: backendChoice()?.reason, arch: cfg.model.arch, images: train.size },
    learningRate: (step) => learningRate(schedule, step),
    batches: (from, end, _log, shard) => classifierBatches(cfg, train, norm, from, end, shard),
    imagesIn: (batch) => batch.labels.length,
    // the inputs are made inside the loss: the gradient computation's scope disposes them
    loss: (batch) => () => lossAndErrors(model.forward(tf.tensor4d(batch.images, batch.shape)), tf.tensor1d(batch.labels, 'int32'), info.options.numClasses),
    stepRecord: (batch, r, step) => ({ images: batch.labels.length, fields: { epoch: (step + 1) / perEpoch, trainError: r.parts.error } }),
    isCheckpointStep: (step) => step % perEpoch === 0 && (step / perEpoch) % cfg.checkpoint.everyEpochs === 0,
    evalEvery: cfg.eval.everySteps,
    validationLoss: async (step) => {
      const { loss, top1, images } = await evalCurve(step);
      return { loss, error: 1 - top1, images };
    },
    evaluate: async (step, final) => {
      const r = final
        ? await evaluateClassifier(model, await openSplit(cfg, 'test'), norm, { batchSize: cfg.eval.batchSize, quiet })
        : await evalCurve(step);
      return { split: 'test', ...r };
    },
    evalCommand: (checkpoint) =>
      `resdet classify eval --weights ${checkpoint} --dataset ${cfg.data.dataset}${cfg.data.dir ? ` --data ${cfg.data.dir}` : ''}${cfg.data.testLimit ? ` --limit ${cfg.data.testLimit}` : ''}`,
  };
}

export async function trainClassifier(cfg: ClassifierConfig, opts: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const backend = await initBackend(cfg.backend);
  requireGlobalBatch(cfg.solver.batchSize, 'solver.batchSize', processWorld());
  const train = await openSplit(cfg, 'train');
  const model = classifierModel(cfg, train);
  const optimizer = createOptimizer(cfg.solver);
  try {
    const r = await runTraining(classifierTask(cfg, train, model, optimizer, backend, opts.quiet), opts);
    const result: TrainClassifierResult = { steps: r.steps, finalLoss: r.last.loss ?? NaN, trainSeconds: r.trainSeconds, imagesPerSecond: r.imagesPerSecond, backend, checkpoint: r.checkpoint };
    if (r.metrics) {
      const { top1, top5, images, loss } = r.metrics as unknown as ClassifierEvalResult;
      result.test = { top1, top5, images, loss };
      await atomicWrite(path.join(opts.out, 'metrics.json'), [Buffer.from(JSON.stringify({ ...result.test, step: r.steps, trainSeconds: r.trainSeconds, backend }, null, 2) + '\n')]);
    }
    return result;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
