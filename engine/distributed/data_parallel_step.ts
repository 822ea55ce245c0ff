/**
 * One optimisation step of a data-parallel job, the counterpart of engine/train_step.ts: each process computes
 * the loss and gradients of its share of the step's batch; the loss values (the total and its named parts),
 * weighted by each process's images, are summed over the processes first — so the logged loss is the global
 * batch's mean, and a loss that is not finite anywhere stops every process at the same step, before any
 * update; then the gradients, weighted the same way, are summed in buckets (gradient_buckets.ts) and every
 * process takes the same optimizer step. With equal shares this is PyTorch DDP's average of the processes'
 * gradients; with unequal ones (a last, smaller batch) it is still the whole batch's mean.
 *
 * A process with no image in a step (a batch smaller than the job) takes part with zero weight. A parameter no
 * process has a gradient for is left out of the update, as in a single process. A step in which no process had
 * an image changes nothing (its loss is NaN).
 */
import * as tf from '@tensorflow/tfjs';
import { Optimizer } from '../optim/optimizer';
import { computeGradients, divergedError, StepLossFn, StepResult } from '../train_step';
import { GradientBuckets } from './gradient_buckets';
import { broadcastJson } from './json_collectives';
import { World } from './world';

export class DataParallelStep {
  private readonly buckets: GradientBuckets;
  /** the names of the loss's parts, rank 0's at the first step (every process reports the same) */
  private partNames: string[] | null = null;

  constructor(private readonly world: World, private readonly params: Array<[string, tf.Variable]>, private readonly optimizer: Optimizer) {
    this.buckets = new GradientBuckets(params);
  }

  /** A step on this process's `images` images (`lossFn` null when it has none). */
  step(lossFn: StepLossFn | null, images: number, lr: number): StepResult {
    const local = lossFn ? computeGradients(this.params, lossFn) : { loss: 0, parts: {}, grads: {} as Record<string, tf.Tensor> };
    try {
      const t0 = performance.now();
      this.partNames ??= broadcastJson(this.world, Object.keys(local.parts));
      const global = this.reduceScalars(local.loss, local.parts, local.grads, images);
      if (global.images === 0) return { loss: NaN, parts: {}, images: 0 };
      if (!Number.isFinite(global.loss)) throw divergedError(global.loss);
      const grads = this.buckets.reduce(this.world, local.grads, images / global.images);
      const commSeconds = (performance.now() - t0) / 1000;
      local.grads = grads;
      for (const [name] of this.params) {
        if (global.withGradient.has(name)) continue;
        grads[name]?.dispose();
        delete grads[name];
      }
      this.optimizer.step(this.params, grads, lr);
      return { loss: global.loss, parts: global.parts, images: global.images, commSeconds };
    } finally {
      tf.dispose(Object.values(local.grads));
    }
  }

  /**
   * One sum over the processes of [images, images·loss, images·part…, has-gradient flag per parameter]: the
   * global batch's mean loss and parts, its image count, and the parameters some process has a gradient for.
   */
  private reduceScalars(loss: number, parts: Record<string, number>, grads: Record<string, tf.Tensor>, images: number) {
    const names = this.partNames ?? [];
    const v = new Float32Array(2 + names.length + this.params.length);
    v[0] = images;
    v[1] = images ? images * loss : 0;
    names.forEach((k, i) => (v[2 + i] = images ? images * (parts[k] ?? 0) : 0));
    this.params.forEach(([name], i) => (v[2 + names.length + i] = grads[name] ? 1 : 0));
    this.world.allreduceSum(v);
    const total = v[0];
    const mean = (x: number) => x / total;
    return {
      images: total,
      loss: mean(v[1]),
      parts: Object.fromEntries(names.map((k, i) => [k, mean(v[2 + i])])),
      withGradient: new Set(this.params.filter((_, i) => v[2 + names.length + i] > 0).map(([name]) => name)),
    };
  }
}
