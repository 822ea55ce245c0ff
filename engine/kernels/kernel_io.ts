/**
 * Typed-array access for kernels written in JavaScript, on the backends whose storage is a TypedArray:
 * `cpu` (and the `native` backend built on it) keeps one per tensor, `wasm` keeps tensors on its heap.
 * On wasm, allocating an output may grow the heap and detach earlier views: allocate every output first,
 * then take the views (`view` after all `alloc` calls).
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;

interface CpuLike {
  data: { get(id: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): TensorInfo;
}
interface WasmLike {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): tf.TypedArray;
}

export function isWasm(backend: unknown): boolean {
  return typeof (backend as WasmLike).typedArrayFromHeap === 'function';
}

/** A fresh output tensor of `shape`; its contents are uninitialised on wasm and zero on cpu. */
export function alloc(backend: unknown, shape: number[], dtype: tf.DataType = 'float32'): TensorInfo {
  if (isWasm(backend)) return (backend as WasmLike).makeOutput(shape, dtype);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  return (backend as CpuLike).makeTensorInfo(shape, dtype, values);
}

/** The tensor's storage as a typed array (a view on wasm's heap, or the cpu backend's own array). */
export function view(backend: unknown, t: TensorInfo): tf.TypedArray {
  if (isWasm(backend)) return (backend as WasmLike).typedArrayFromHeap(t);
  return (backend as CpuLike).data.get(t.dataId).values as tf.TypedArray;
}

export function f32(backend: unknown, t: TensorInfo): Float32Array {
  const v = view(backend, t);
  if (!(v instanceof Float32Array)) throw new Error(`expected a float32 tensor, got ${t.dtype}`);
  return v;
}
