/**
 * Gradient averaging over the processes of a data-parallel job, in buckets: the trainable parameters, in their
 * fixed order, are cut into consecutive groups of at most `capBytes` (25 MiB, as PyTorch DDP's default), and
 * each group's gradients are reduced by one MPI call (the addon packs them into one buffer). Each process's
 * gradients are scaled by its share of the step's images before the sum, so the result is the gradient of the
 * global batch's mean loss. Gradients are reduced in place in their tensors' own host arrays when the backend
 * keeps them there (engine/distributed/tensor_storage.ts); otherwise copied out and back into new tensors.
 * A parameter without a gradient on this process (its loss did not reach it) takes part with zeros, so that
 * every process reduces the same layout.
 */
import * as tf from '@tensorflow/tfjs';
import { World } from './world';
import { hostStorage } from '../host_read';
import { overlaps } from './tensor_storage';

export const BUCKET_CAP_BYTES = 25 * 1024 * 1024;

/** Consecutive groups of parameter positions, each at most `capBytes` of float32 (a larger parameter alone). */
export function bucketLayout(sizes: number[], capBytes = BUCKET_CAP_BYTES): number[][] {
  const buckets: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((n, i) => {
    if (current.length && bytes + 4 * n > capBytes) {
      buckets.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += 4 * n;
  });
  if (current.length) buckets.push(current);
  return buckets;
}

/** A gradient's values to reduce: its own storage (in place) or a copy that becomes a new tensor. */
interface Slot {
  values: Float32Array;
  inPlace: boolean;
}

export class GradientBuckets {
  readonly buckets: number[][];

  constructor(private readonly params: Array<[string, tf.Variable]>, capBytes = BUCKET_CAP_BYTES) {
    this.buckets = bucketLayout(params.map(([, v]) => v.size), capBytes);
  }

  /**
   * The sum over processes of `scale` × each gradient, by parameter name: every parameter gets one (zeros where
   * no process had a gradient). Consumes `grads`: a tensor not returned is disposed.
   */
  reduce(world: World, grads: Record<string, tf.Tensor>, scale: number): Record<string, tf.Tensor> {
    const slots = this.slots(grads);
    for (const bucket of this.buckets) world.allreduceSumMany(bucket.map((i) => slots[i].values), scale);
    const out: Record<string, tf.Tensor> = {};
    this.params.forEach(([name, v], i) => {
      out[name] = slots[i].inPlace ? grads[name] : tf.tensor(slots[i].values, v.shape, 'float32');
    });
    const kept = new Set(Object.values(out));
    for (const g of Object.values(grads)) if (!kept.has(g)) g.dispose();
    return out;
  }

  /** Where each parameter's gradient is reduced: in place when its storage is its own, else a copy (or zeros). */
  private slots(grads: Record<string, tf.Tensor>): Slot[] {
    const taken: Float32Array[] = [];
    return this.params.map(([name, v]) => {
      const g = grads[name];
      const own = g ? hostStorage(g) : null;
      if (own && !taken.some((t) => overlaps(t, own))) {
        taken.push(own);
        return { values: own, inPlace: true };
      }
      return { values: g ? Float32Array.from(g.dataSync() as Float32Array) : new Float32Array(v.size), inPlace: false };
    });
  }
}
