/**
 * Helpers for resdet's wasm kernels: calling the wasm backend's own registered kernels (XNNPACK
 * convolutions and matrix products, its transpose) on tensors that live on its heap, and freeing the
 * intermediate results. Views on the heap are detached when an allocation grows it: take them after
 * the last allocation or kernel call that precedes their use.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;

export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): tf.TypedArray;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

export function asWasm(backend: unknown): WasmBackend {
  const b = backend as WasmBackend;
  if (typeof b.typedArrayFromHeap !== 'function') throw new Error('resdet wasm kernel called on a non-wasm backend');
  return b;
}

/** Runs the wasm backend's registered kernel `name` (as registered when this is called). */
export function runWasmKernel(
  name: string,
  backend: WasmBackend,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} is not registered`);
  return runKernelConfig(k, backend, inputs, attrs);
}

/** Runs the kernel `config` (e.g. one captured before resdet replaced it) and returns its single output. */
export function runKernelConfig(
  config: tf.KernelConfig,
  backend: WasmBackend | tf.KernelBackend,
  inputs: tf.NamedTensorInfoMap | Record<string, TensorInfo>,
  attrs: tf.NamedAttrMap | Record<string, unknown>,
): TensorInfo {
  const out = config.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${config.kernelName} returned several outputs`);
  return out as TensorInfo;
}

export function dispose(backend: WasmBackend, ...infos: (TensorInfo | null | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

/** A float32 view of `t` on the heap (take it after the last allocation). */
export function heapF32(backend: WasmBackend, t: TensorInfo): Float32Array {
  const v = backend.typedArrayFromHeap(t);
  if (!(v instanceof Float32Array)) throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return v;
}

/** A new float32 tensor holding `values` (copied onto the heap). */
export function fromValues(backend: WasmBackend, shape: number[], values: Float32Array | Float64Array): TensorInfo {
  const t = backend.makeOutput(shape, 'float32');
  heapF32(backend, t).set(values);
  return t;
}

/** The attributes tfjs passes to the convolution gradient kernels. */
export interface ConvBackpropAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function assertChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`resdet wasm ${kernel} supports dataFormat NHWC only, got ${dataFormat}`);
  }
}
