/**
 * BatchMatMul (tf.matMul) and _FusedMatMul (bias vector, ReLU) on oneDNN. Batch dimensions must be equal or
 * all ones on one side (broadcast); anything else goes to tfjs-cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, addon, nativeKernel, nb } from './common';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function run({ inputs, attrs, backend }: KernelArgs, fused: boolean) {
  const be = nb(backend);
  const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  const at = attrs as Record<string, unknown>;
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2 || preluActivationWeights) return null;
  const activation = fused ? (at.activation as string) ?? 'linear' : 'linear';
  if (activation !== 'linear' && activation !== 'relu') return null;
  const av = be.f32(a), bv = be.f32(b);
  if (!av || !bv) return null;
  const tA = Boolean(at.transposeA), tB = Boolean(at.transposeB);
  const ra = a.shape.length, rb = b.shape.length;
  const M = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const K2 = tB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== K2 || M * N * K === 0) return null;
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const batchA = prod(outerA), batchB = prod(outerB);
  let outer: number[];
  if (batchA === batchB && outerA.join() === outerB.join()) outer = outerA;
  else if (batchB === 1) outer = outerA;
  else if (batchA === 1) outer = outerB;
  else return null;
  let biasV: Float32Array | null = null;
  if (bias) {
    biasV = be.f32(bias);
    if (!biasV || bias.shape.length !== 1 || bias.shape[0] !== N) return null;
  }
  const out = be.allocF32([...outer, M, N]);
  addon().matmul(av, bv, biasV, out.values, Int32Array.of(batchA, batchB, M, K, N, tA ? 1 : 0, tB ? 1 : 0, activation === 'relu' ? 1 : 0));
  return out.info;
}

export function matMulKernels(): tf.KernelConfig[] {
  return [nativeKernel('BatchMatMul', (args) => run(args, false)), nativeKernel('_FusedMatMul', (args) => run(args, true))];
}
