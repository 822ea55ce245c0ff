/**
 * Sum, Mean, Max, Min over one contiguous run of axes (x viewed as [A, R, B]) in native loops; sums
 * accumulate in double as tfjs-cpu's do. Other axis sets and dtypes go to tfjs-cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { addon, nativeKernel, nb } from './common';

const OPS: Record<string, number> = { Sum: 0, Mean: 1, Max: 2, Min: 3 };
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function reduce(kernelName: string, op: number): tf.KernelConfig {
  return nativeKernel(kernelName, ({ inputs, attrs, backend }) => {
    const be = nb(backend);
    const { x } = inputs as Record<string, tf.TensorInfo>;
    const xv = be.f32(x);
    if (!xv || xv.length === 0) return null;
    // Max names its axes `reductionIndices`, the others `axis`
    const { axis, reductionIndices, keepDims } = attrs as { axis?: number | number[]; reductionIndices?: number | number[]; keepDims: boolean };
    const axes = [...new Set(tf.util.parseAxisParam((axis ?? reductionIndices) as number | number[], x.shape))].sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((v, i) => i > 0 && v !== axes[i - 1] + 1)) return null;
    const first = axes[0], last = axes[axes.length - 1];
    const A = prod(x.shape.slice(0, first)), R = prod(x.shape.slice(first, last + 1)), B = prod(x.shape.slice(last + 1));
    const shape = keepDims
      ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : x.shape.filter((_, i) => i < first || i > last);
    const out = be.allocF32(shape);
    addon().reduce(op, xv, A, R, B, out.values);
    return out.info;
  });
}

export function reduceKernels(): tf.KernelConfig[] {
  return Object.entries(OPS).map(([k, op]) => reduce(k, op));
}
