/**
 * A Faster R-CNN timed as the config builds it, on one random image, with random weights — the measurement behind
 * `resdet bench --config` and bench/detector_speed.ts. Built by default as the torchvision reference is by default
 * (every layer trainable, batch norm in training mode), or with the config's own frozen batch norm and frozen stages
 * (batchNorm 'config'); batch norm calibrated so that eval mode (and frozen batch norm) does not overflow, and the
 * RPN's NMS switched off so that the box head gets exactly the stated number of proposals (inference) or RoIs
 * (training) — both checked, never assumed.
 */
import * as tf from '@tensorflow/tfjs';
import { deepMerge } from '../run/config';
import { Rng } from '../engine/rng';
import { SGD } from '../engine/optim/sgd';
import { trainStep } from '../engine/train_step';
import { BatchNorm2d } from '../engine/nn/batch_norm2d';
import { DetectorConfig } from './config';
import { buildDetectorModel } from './modeling/detector_model';
import { TwoStageDetector } from './modeling/two_stage_detector';
import { ImageTargets } from './structures';
import { KernelProfile, profileKernels } from '../engine/kernel_profile';

export type Detector = TwoStageDetector<tf.Tensor4D | tf.Tensor4D[]>;

/** The benchmark cannot be set up as asked (e.g. more proposals than the image has anchors): a user error. */
export class BenchSetupError extends Error {}

export interface BenchImage {
  height: number;
  width: number;
}

/** Three boxes spread over the image (as the torchvision reference's at 600x800), labels 3, 7, 12 (mod numClasses). */
export function benchTargets(im: BenchImage, numClasses: number): ImageTargets[] {
  const sx = im.width / 800;
  const sy = im.height / 600;
  const b = [50, 60, 300, 400, 400, 100, 700, 350, 200, 300, 500, 580].map((v, i) => v * (i % 2 ? sy : sx));
  return [{ boxes: Float32Array.from(b), labels: Int32Array.from([3, 7, 12], (l) => l % numClasses) }];
}

/**
 * How the benchmark treats batch norm and frozen stages: 'train' — trainable batch norm everywhere, nothing frozen
 * (the torchvision reference's default build); 'config' — as the config says (the detector configs train with frozen
 * batch norm and the stem and res2 frozen, torchvision's own default), statistics calibrated first.
 */
export type BenchBatchNorm = 'train' | 'config';
export const BENCH_BATCH_NORMS: BenchBatchNorm[] = ['train', 'config'];

export interface BenchOptions {
  profile?: boolean;
  batchNorm?: BenchBatchNorm;
  /** called before each timed step (0-based): a bench that switches something between steps (bench/winograd_ab) */
  beforeStep?: (step: number) => void;
}

/** The config as the benchmark builds it. */
export function benchConfig(cfg: DetectorConfig, batchNorm: BenchBatchNorm = 'train'): DetectorConfig {
  return batchNorm === 'config' ? cfg : (deepMerge(cfg, { model: { batchNorm: 'train', freezeAt: 0 } }) as DetectorConfig);
}

export function benchImage(im: BenchImage): tf.Tensor4D {
  return tf.tidy(() => tf.randomUniform([1, im.height, im.width, 3], -2, 2, 'float32', 1)) as tf.Tensor4D;
}

/**
 * Eval-mode batch norm of a random network holds mean 0 / variance 1, and 50 layers of it overflow (every score
 * NaN). One training-mode pass with momentum 1 sets each layer's running statistics to the batch's, as a
 * calibrated network would have them.
 */
export function calibrateBatchNorm(model: Detector, x: tf.Tensor4D, im: BenchImage, numClasses: number): void {
  const bns = model.namedModules().map(([, m]) => m).filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  const saved = bns.map((b) => ({ momentum: b.momentum, frozen: b.frozen }));
  bns.forEach((b) => {
    (b as { momentum: number }).momentum = 1;
    b.frozen = false; // frozen batch norm is calibrated too, then frozen again
  });
  model.train();
  tf.tidy(() => model.losses(x, [im], benchTargets(im, numClasses), new Rng(7)).total.dataSync());
  bns.forEach((b, i) => {
    (b as { momentum: number }).momentum = saved[i].momentum;
    b.frozen = saved[i].frozen;
  });
}

/** Calls `fn` warmup times, then `steps` times (each after `before(i)`); the timed steps' milliseconds. */
export function timeSteps(fn: () => void, steps: number, warmup: number, before?: (step: number) => void): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    before?.(i);
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms;
}

export interface InferenceBench {
  ms: number[];
  /** kernel times of one more step, when asked for */
  profile?: KernelProfile;
  proposalsToHead: number;
  detections: number;
}

/** Inference of one image with exactly `proposals` proposals reaching the box head. */
export async function benchInference(cfg: DetectorConfig, numClasses: number, im: BenchImage, proposals: number, steps: number, warmup: number, o: BenchOptions = {}): Promise<InferenceBench> {
  const c = deepMerge(benchConfig(cfg, o.batchNorm), { model: { rpn: { nmsThresh: 1.01, preNmsTopNTest: 2 * proposals, postNmsTopNTest: proposals } } }) as DetectorConfig;
  const model = buildDetectorModel(c.model, numClasses) as unknown as Detector;
  const x = benchImage(im);
  try {
    calibrateBatchNorm(model, x, im, numClasses);
    model.eval();
    const feats = model.backbone.forward(x);
    const proposalsToHead = model.rpn.forward(feats, [im]).proposals[0].scores.length;
    tf.dispose(feats);
    if (proposalsToHead !== proposals) throw new BenchSetupError(`the box head would get ${proposalsToHead} proposals, not ${proposals}: the image has too few anchors for --proposals ${proposals} (a larger --size or fewer proposals)`);
    let detections = 0;
    const step = () => void (detections = model.detect(x, [im])[0].scores.length);
    const ms = timeSteps(step, steps, warmup, o.beforeStep);
    return { ms, proposalsToHead, detections, ...(o.profile ? { profile: await profileKernels(step) } : {}) };
  } finally {
    x.dispose();
    model.dispose();
  }
}

export interface TrainingBench {
  ms: number[];
  profile?: KernelProfile;
  roisToHead: number;
  /** floats of the trainable parameters: the gradient a data-parallel step all-reduces */
  gradientFloats: number;
  losses: number[];
  tensorsBefore: number;
  tensorsAfter: number;
}

/**
 * SGD training steps (lr 0.01, momentum 0.9) on one image with `rois` RoIs sampled for the box head. Frozen batch
 * norm (batchNorm 'config') is calibrated first: with a random network's statistics it diverges.
 */
export async function benchTraining(cfg: DetectorConfig, numClasses: number, im: BenchImage, rois: number, steps: number, warmup: number, o: BenchOptions = {}): Promise<TrainingBench> {
  const c = deepMerge(benchConfig(cfg, o.batchNorm), { model: { roiHeads: { batchSizePerImage: rois } } }) as DetectorConfig;
  const model = buildDetectorModel(c.model, numClasses) as unknown as Detector;
  const x = benchImage(im);
  const opt = new SGD({ momentum: 0.9 });
  try {
    if (c.model.batchNorm === 'frozen') calibrateBatchNorm(model, x, im, numClasses);
    model.train();
    const heads = model.roiHeads as unknown as { boxFeatures: (f: unknown, r: Float32Array) => tf.Tensor2D };
    const boxFeatures = heads.boxFeatures.bind(heads);
    let roisToHead = 0;
    heads.boxFeatures = (f, r) => ((roisToHead = r.length / 5), boxFeatures(f, r));
    const params = model.trainableParameters();
    const rng = new Rng(1);
    const targets = benchTargets(im, numClasses);
    const losses: number[] = [];
    const step = () => {
      const loss = trainStep(params, () => model.losses(x, [im], targets, rng), opt, 0.01).loss;
      if (!Number.isFinite(loss)) throw new Error(`training loss ${loss} at step ${losses.length + 1}`);
      losses.push(loss);
    };
    step(); // the optimizer's state exists from here: the tensor count is taken after it
    const tensorsBefore = tf.memory().numTensors;
    const ms = timeSteps(step, steps, Math.max(0, warmup - 1));
    const tensorsAfter = tf.memory().numTensors;
    if (roisToHead !== rois) throw new BenchSetupError(`the box head got ${roisToHead} RoIs in training, not ${rois}: too few proposals for --rois ${rois} (a larger --size or fewer RoIs)`);
    const gradientFloats = params.reduce((n, [, v]) => n + v.size, 0);
    return { ms, roisToHead, gradientFloats, losses, tensorsBefore, tensorsAfter, ...(o.profile ? { profile: await profileKernels(step) } : {}) };
  } finally {
    opt.dispose();
    x.dispose();
    model.dispose();
  }
}
