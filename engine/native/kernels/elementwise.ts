/**
 * Element-wise float32 kernels in native loops (OpenMP threads on large tensors): the binary ops with numpy
 * broadcasting, the unary ops of a training step (Relu, Step — ReLU's gradient —, Exp, Log, ...), AddN.
 * Other dtypes go to tfjs-cpu.
 */
import * as tf from '@tensorflow/tfjs';
import { addon, nativeKernel, nb } from './common';

// op codes of engine/native/src/elementwise.cc
const BINARY: Record<string, number> = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6,
};
const UNARY: Record<string, number> = {
  Relu: 0, Step: 1, Neg: 2, Exp: 3, Log: 4, Sqrt: 5, Rsqrt: 6, Square: 7, Abs: 8, Sigmoid: 9, Tanh: 10,
  Relu6: 11, Reciprocal: 12,
};

/** Strides of an input of `shape` read over the broadcast output shape `out` (0 on broadcast axes). */
export function broadcastStrides(shape: number[], out: number[]): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let i = out.length - 1, j = shape.length - 1; i >= 0; i--, j--) {
    const d = j >= 0 ? shape[j] : 1;
    strides[i] = d === 1 ? 0 : s;
    s *= d;
  }
  return strides;
}

function binary(kernelName: string, op: number): tf.KernelConfig {
  return nativeKernel(kernelName, ({ inputs, backend }) => {
    const be = nb(backend);
    const { a, b } = inputs as Record<string, tf.TensorInfo>;
    const av = be.f32(a), bv = be.f32(b);
    if (!av || !bv) return null;
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = be.allocF32(shape);
    if (out.values.length === 0) return out.info;
    addon().binary(op, av, broadcastStrides(a.shape, shape), bv, broadcastStrides(b.shape, shape), out.values, shape);
    return out.info;
  });
}

function unary(kernelName: string, op: number): tf.KernelConfig {
  return nativeKernel(kernelName, ({ inputs, attrs, backend }) => {
    const be = nb(backend);
    const { x } = inputs as Record<string, tf.TensorInfo>;
    const xv = be.f32(x);
    if (!xv) return null;
    const out = be.allocF32(x.shape);
    const alpha = kernelName === 'Step' ? Number((attrs as { alpha?: number }).alpha ?? 0) : 0;
    if (xv.length > 0) addon().unary(op, xv, out.values, alpha);
    return out.info;
  });
}

/** relu(a + b) for engine/ops/add_relu.ts (same shapes; op code 7 of elementwise.cc). */
const addRelu = nativeKernel('ResdetAddRelu', ({ inputs, backend }) => {
  const be = nb(backend);
  const { a, b } = inputs as Record<string, tf.TensorInfo>;
  const av = be.f32(a), bv = be.f32(b);
  if (!av || !bv || av.length !== bv.length) throw new Error('ResdetAddRelu: float32 inputs of one shape expected');
  const out = be.allocF32(a.shape);
  const strides = broadcastStrides(a.shape, a.shape);
  if (av.length > 0) addon().binary(7, av, strides, bv, strides, out.values, a.shape);
  return out.info;
});

const addN = nativeKernel('AddN', ({ inputs, backend }) => {
  const be = nb(backend);
  const list = inputs as unknown as tf.TensorInfo[];
  const vs = list.map((t) => be.f32(t));
  if (list.length === 0 || vs.some((v) => !v) || list.some((t) => t.shape.join() !== list[0].shape.join())) return null;
  const out = be.allocF32(list[0].shape);
  if (out.values.length > 0) addon().addN(vs as Float32Array[], out.values);
  return out.info;
});

export function elementwiseKernels(): tf.KernelConfig[] {
  return [
    ...Object.entries(BINARY).map(([k, op]) => binary(k, op)),
    ...Object.entries(UNARY).map(([k, op]) => unary(k, op)),
    addN,
    addRelu,
  ];
}
