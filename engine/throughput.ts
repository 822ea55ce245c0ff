/**
 * Throughput of a classification network on random data: the timing core of `resdet bench` and
 * bench/classify_throughput.ts. A step is either inference (eval mode, forward, the logits read back) or a
 * training step (train mode, softmax cross-entropy, gradients, SGD with momentum 0.9 and weight decay 1e-4).
 * The caller builds the network (engine/ knows no architectures) and owns it.
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from './nn/module';
import { SGD } from './optim/sgd';
import { trainStep } from './train_step';

export type BenchMode = 'train' | 'infer';
export const BENCH_MODES: BenchMode[] = ['train', 'infer'];

/** A network mapping NHWC images to logits [N, classes] in its current mode. */
export interface Classifier extends Module {
  forward(x: tf.Tensor4D): tf.Tensor2D;
}

export interface ThroughputOptions {
  mode: BenchMode;
  batch: number;
  /** input [height, width, channels] */
  shape: [number, number, number];
  numClasses: number;
  /** learning rate of the training step (default 0.1) */
  lr?: number;
}

export interface ThroughputSummary {
  /** median step time */
  ms_per_batch: number;
  ms_min: number;
  /** batch / median step time */
  images_per_s: number;
  /** batch / fastest step time */
  images_per_s_max: number;
}

/** The median (upper median for an even count) of the values. */
export function median(a: number[]): number {
  return [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
}

export function summarize(times: number[], batch: number): ThroughputSummary {
  if (times.length === 0) throw new Error('throughput: no timed steps to summarize');
  const ms = median(times);
  const min = Math.min(...times);
  return { ms_per_batch: ms, ms_min: min, images_per_s: (batch * 1000) / ms, images_per_s_max: (batch * 1000) / min };
}

/** One network, one batch of random inputs and labels, and (in train mode) an optimizer. */
export class ThroughputRun {
  readonly optimizer: SGD | null;
  private readonly x: tf.Tensor4D;
  private readonly y: tf.Tensor2D;
  private readonly params: Array<[string, tf.Variable]>;

  constructor(readonly model: Classifier, readonly opts: ThroughputOptions) {
    const [h, w, c] = opts.shape;
    this.x = tf.randomNormal([opts.batch, h, w, c], 0, 1, 'float32', 1) as tf.Tensor4D;
    this.y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: opts.batch }, (_, i) => i % opts.numClasses), 'int32'), opts.numClasses) as tf.Tensor2D);
    this.params = model.trainableParameters();
    this.optimizer = opts.mode === 'train' ? new SGD({ momentum: 0.9, weightDecay: 1e-4 }) : null;
    model.train(opts.mode === 'train');
  }

  /** Runs one step; returns its wall time in ms. */
  step(): number {
    const t = performance.now();
    if (this.optimizer) {
      trainStep(this.params, () => ({ total: tf.losses.softmaxCrossEntropy(this.y, this.model.forward(this.x)) as tf.Scalar }), this.optimizer, this.opts.lr ?? 0.1);
    } else {
      const logits = this.model.forward(this.x);
      logits.dataSync();
      logits.dispose();
    }
    return performance.now() - t;
  }

  /** `warmup` untimed steps, then the times of `steps` steps. */
  run(steps: number, warmup: number): number[] {
    for (let i = 0; i < warmup; i++) this.step();
    return Array.from({ length: steps }, () => this.step());
  }

  dispose(): void {
    tf.dispose([this.x, this.y]);
    this.optimizer?.dispose();
  }
}
