/** Timing one registered kernel called directly (no op, no tape): median seconds over runs after warm-up calls. */
import * as tf from '@tensorflow/tfjs';
import { median } from './detector_timing';

export type KernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }) =>
  tf.TensorInfo | tf.TensorInfo[];

/** Median seconds of `runs` calls of `kernel` (after `warmup` calls); outputs are freed. */
export function timeKernel(kernel: KernelFunc, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, runs: number, warmup = 3): number {
  const backend = tf.backend();
  const once = () => {
    const out = kernel({ inputs, backend, attrs });
    for (const t of Array.isArray(out) ? out : [out]) backend.disposeData(t.dataId);
  };
  for (let i = 0; i < warmup; i++) once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    once();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
}
