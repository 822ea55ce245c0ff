/**
 * Classification training of a ResNet (the paper's CIFAR recipe by default): SGD with momentum and weight
 * decay, multi-step decay, pad-and-crop + flip augmentation, a checkpoint every epoch, a progress bar and a
 * JSON-lines log, evaluation on the test split at the end (and every `eval.everySteps` steps if set). Each
 * step's log record holds the training error of its (augmented) mini-batch, from the logits the step computed. Every random draw is derived from the seed and
 * the step number, so a run resumed from a checkpoint continues exactly as an uninterrupted one.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as YAML from 'yaml';
import { InterruptedError } from '../../run/interrupt';
import { ClassifierConfig } from './config';
import { ClassifierInfo } from './checkpoint';
import { evaluateClassifier, ClassifierEvalResult } from './evaluate';
import { ResNet } from '../resnet';
import { loadBackboneWeights } from '../load_weights';
import { initBackend, backendChoice } from '../../engine/backend';
import { backendThreads } from '../../engine/backend_threads';
import { seedInit } from '../../engine/nn/init';
import { SGD } from '../../engine/optim/sgd';
import { learningRate, LrScheduleConfig } from '../../engine/optim/lr_schedule';
import { trainStep } from '../../engine/train_step';
import { saveCheckpoint } from '../../run/checkpoint';
import { resumeRun } from '../../run/resume';
import { atomicWrite } from '../../engine/atomic_write';
import { JsonlLog } from '../../run/jsonl_log';
import { Progress } from '../../run/progress';
import { Rng } from '../../engine/rng';
import { openClassificationDataset, makeBatch, NORMALISATION, ClassificationDataset } from '../../datasets/classification';

export interface TrainClassifierOptions {
  out: string;
  resume?: boolean;
  quiet?: boolean;
  /** stop after this many steps of this invocation (tests and interruption experiments) */
  maxSteps?: number;
  /** skip the final test-set evaluation */
  skipEval?: boolean;
}

export interface TrainClassifierResult {
  steps: number;
  finalLoss: number;
  trainSeconds: number;
  imagesPerSecond: number;
  backend: string;
  checkpoint: string;
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

/** Softmax cross-entropy of the logits and the number of misclassified items (argmax ≠ label). */
function lossAndErrors(logits: tf.Tensor, labels: tf.Tensor1D, numClasses: number): { total: tf.Scalar; parts: Record<string, tf.Scalar> } {
  const total = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits) as tf.Scalar;
  const errors = tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
  return { total, parts: { errors } };
}

/** The test split for the evaluations during training (its first eval.curveLimit images), opened once. */
function curveEvaluator(cfg: ClassifierConfig, model: ResNet, norm: { mean: number[]; std: number[] }) {
  let test: Promise<ClassificationDataset> | null = null;
  return async (): Promise<ClassifierEvalResult> => {
    test ??= openSplit(cfg, 'test', cfg.eval.curveLimit);
    return evaluateClassifier(model, await test, norm, { batchSize: cfg.eval.batchSize, quiet: true });
  };
}

export async function trainClassifier(cfg: ClassifierConfig, opts: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const backend = await initBackend(cfg.backend);
  const train = await openSplit(cfg, 'train');
  const norm = normalisation(cfg);
  const [h, w, c] = train.imageShape;
  seedInit(cfg.seed);
  const model = new ResNet(cfg.model.arch, {
    numClasses: train.classNames.length,
    shortcut: cfg.model.shortcut ?? undefined,
    strideIn1x1: cfg.model.strideIn1x1,
    widthMultiplier: cfg.model.widthMultiplier,
    inputChannels: c,
  });
  const info: ClassifierInfo = {
    arch: cfg.model.arch,
    options: model.options,
    classNames: train.classNames,
    imageShape: [h, w, c],
    mean: norm.mean,
    std: norm.std,
  };
  const optimizer = new SGD({ momentum: cfg.solver.momentum, weightDecay: cfg.solver.weightDecay });
  const itersPerEpoch = Math.ceil(train.size / cfg.solver.batchSize);
  const totalSteps = Math.ceil(cfg.solver.epochs * itersPerEpoch);
  const schedule: LrScheduleConfig = {
    baseLr: cfg.solver.lr,
    policy: cfg.solver.policy,
    gamma: cfg.solver.gamma,
    milestones: cfg.solver.milestones.map((f) => Math.round(f * totalSteps)),
    maxIters: totalSteps,
    warmupIters: cfg.solver.warmupIters,
    warmupFactor: cfg.solver.warmupFactor,
    warmupMethod: cfg.solver.warmupMethod,
  };
  fs.mkdirSync(opts.out, { recursive: true });
  const log = new JsonlLog(path.join(opts.out, 'log.jsonl'));
  let step = 0;
  const resumed = opts.resume
    ? await resumeRun(opts.out, model, optimizer, log, (meta) => {
        const arch = (meta.classifier as ClassifierInfo | undefined)?.arch;
        return meta.kind !== 'classifier' ? 'not a classifier checkpoint' : arch !== cfg.model.arch ? `checkpoint of ${arch}, config says ${cfg.model.arch}` : null;
      })
    : null;
  if (resumed !== null) {
    step = resumed;
  } else if (cfg.model.pretrained) {
    await loadBackboneWeights(model, cfg.model.pretrained, { skipClassifier: true, strict: true });
  }
  await atomicWrite(path.join(opts.out, 'config.yaml'), [Buffer.from(YAML.stringify(cfg))]);
  log.write({ type: 'start', step, totalSteps, backend, threads: backendThreads(backend), reason: backendChoice()?.reason, arch: cfg.model.arch, images: train.size });

  const params = model.trainableParameters();
  const saveAt = async (s: number): Promise<string> =>
    saveCheckpoint(opts.out, `step-${String(s).padStart(7, '0')}`, model, { kind: 'classifier', step: s, classifier: info, config: cfg }, optimizer.state());

  const batchAt = (s: number) => {
    const epoch = Math.floor(s / itersPerEpoch);
    const order = new Rng(cfg.seed * 1_000_003 + epoch).permutation(train.size);
    const b = s % itersPerEpoch;
    const idx = order.subarray(b * cfg.solver.batchSize, Math.min(train.size, (b + 1) * cfg.solver.batchSize));
    return makeBatch(train, idx, { ...norm, augment: cfg.data.augment, rng: new Rng(cfg.seed + 7919 * (s + 1)) });
  };

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  const progress = new Progress('train', totalSteps, opts.quiet, step);
  const end = Math.min(totalSteps, step + (opts.maxSteps ?? Infinity));
  const t0 = Date.now();
  let images = 0;
  let lastLoss = NaN;
  let checkpoint = '';
  let next = step < end ? batchAt(step) : null;
  const evalCurve = curveEvaluator(cfg, model, norm);
  model.train();
  try {
    while (step < end && next) {
      const batch = await next;
      next = step + 1 < end ? batchAt(step + 1) : null;
      const lr = learningRate(schedule, step);
      const x = tf.tensor4d(batch.images, batch.shape);
      const y = tf.tensor1d(batch.labels, 'int32');
      const r = trainStep(params, () => lossAndErrors(model.forward(x), y, info.options.numClasses), optimizer, lr);
      tf.dispose([x, y]);
      const trainError = r.parts.errors / batch.labels.length;
      step++;
      images += batch.labels.length;
      lastLoss = r.loss;
      const ips = images / ((Date.now() - t0) / 1000);
      log.write({ type: 'train', step, epoch: step / itersPerEpoch, loss: r.loss, trainError, lr, imgPerSec: ips });
      progress.update(step, { loss: r.loss, lr, 'img/s': ips });
      if (cfg.eval.everySteps && step % cfg.eval.everySteps === 0 && step < totalSteps) {
        log.write({ type: 'eval', step, split: 'test', curve: true, ...(await evalCurve()) });
      }
      const epochEnd = step % itersPerEpoch === 0 && (step / itersPerEpoch) % cfg.checkpoint.everyEpochs === 0;
      if (epochEnd || step === totalSteps || interrupted) checkpoint = await saveAt(step);
      if (interrupted) break;
    }
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSigint);
  }
  const trainSeconds = (Date.now() - t0) / 1000;
  if (!checkpoint) checkpoint = await saveAt(step);
  const result: TrainClassifierResult = {
    steps: step,
    finalLoss: lastLoss,
    trainSeconds,
    imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
    backend,
    checkpoint,
  };
  if (interrupted) {
    log.write({ type: 'interrupted', step, checkpoint });
  } else if (!opts.skipEval && step === totalSteps) {
    const test = await openSplit(cfg, 'test');
    result.test = await evaluateClassifier(model, test, norm, { batchSize: cfg.eval.batchSize, quiet: opts.quiet });
    log.write({ type: 'eval', step, split: 'test', ...result.test });
    await atomicWrite(path.join(opts.out, 'metrics.json'), [Buffer.from(JSON.stringify({ ...result.test, step, trainSeconds, backend }, null, 2) + '\n')]);
  }
  optimizer.dispose();
  model.dispose();
  if (interrupted) throw new InterruptedError(`interrupted at step ${step}; checkpoint ${checkpoint}; continue with --resume`);
  return result;
}

