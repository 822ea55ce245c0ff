/**
 * Batch norm's running-statistics update in training as one kernel (7 element-wise ops before, per layer and step):
 *
 *   ResdetRunningStats(runningMean, runningVar, mean, variance; momentum m, count n) -> [mean', var']
 *     mean' = runningMean * (1 - m) + mean * m,  var' = runningVar * (1 - m) + (variance * n / (n - 1)) * m
 *
 * in float32, rounded after each operation as the element-wise ops round (each step is exact in float64 and then
 * rounded once: float64 has more than twice float32's precision, so this is float32 arithmetic bit for bit), with
 * the factors rounded to float32 as tfjs rounds a scalar operand. For the TypedArray backends (cpu, native, wasm);
 * on native with subnormal inputs read as zero and subnormal results flushed to zero, as its element-wise kernels
 * do (FTZ/DAZ) — except that x86 judges tininess after rounding, so a product within half a subnormal step below
 * the smallest normal number may come out differently (statistics of that size are zero for any purpose).
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, f32 } from './kernel_io';

export const RUNNING_STATS = 'ResdetRunningStats';

export interface RunningStatsAttrs {
  momentum: number;
  count: number;
}

const fr = Math.fround;
const MIN_NORMAL = 1.1754943508222875e-38;
/** x, or zero of its sign when x is subnormal (FTZ/DAZ). */
const flushed = (x: number) => (x !== 0 && Math.abs(x) < MIN_NORMAL ? (x < 0 ? -0 : 0) : x);
const asIs = (x: number) => x;

export function runningStatsKernel(backendName: string): tf.KernelConfig {
  const z = backendName === 'native' ? flushed : asIs;
  return {
    kernelName: RUNNING_STATS,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { runningMean, runningVar, mean, variance } = inputs as Record<string, tf.TensorInfo>;
      const { momentum, count } = attrs as unknown as RunningStatsAttrs;
      const outs = [alloc(backend, runningMean.shape), alloc(backend, runningVar.shape)];
      const [rm, rv, m, v, om, ov] = [runningMean, runningVar, mean, variance, ...outs].map((t) => f32(backend, t));
      const keep = fr(1 - momentum), take = fr(momentum), unbias = fr(count / Math.max(count - 1, 1));
      for (let c = 0; c < rm.length; c++) {
        om[c] = z(fr(z(fr(z(rm[c]) * keep)) + z(fr(z(m[c]) * take))));
        ov[c] = z(fr(z(fr(z(rv[c]) * keep)) + z(fr(z(fr(z(v[c]) * unbias)) * take))));
      }
      return outs;
    },
  };
}
