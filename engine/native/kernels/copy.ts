/**
 * Shared by the native data-movement kernels (transpose.ts, slice.ts, split.ts, concat.ts, pad_tile.ts,
 * gather.ts): the typed storage of a float32 / int32 / bool tensor, an output of the same dtype (float32
 * from the buffer pool), row-major strides, the addon's strided copy (src/copy.cc), and outputs that share
 * their input's data (a no-op data movement, as tfjs-cpu's Reshape and Identity do).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from '../native_backend';
import { addon, nb } from './common';

export type Movable = Float32Array | Int32Array | Uint8Array;

const STORAGE: Partial<Record<tf.DataType, new (n: number) => Movable>> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/** The typed array under a float32 / int32 / bool tensor, or null (other dtypes go to tfjs-cpu). */
export function movable(be: NativeBackend, t: tf.TensorInfo): Movable | null {
  const ctor = STORAGE[t.dtype];
  const v = be.data.get(t.dataId)?.values;
  return ctor && v instanceof ctor ? (v as Movable) : null;
}

/** A new output of `dtype` (a pooled array for float32); its contents are arbitrary. */
export function allocMovable(be: NativeBackend, shape: number[], dtype: tf.DataType): { info: tf.TensorInfo; values: Movable } {
  if (dtype === 'float32') return be.allocF32(shape);
  const ctor = STORAGE[dtype];
  if (!ctor) throw new Error(`engine/native/kernels/copy.ts: no storage for dtype ${dtype}`);
  const values = new ctor(shape.reduce((a, b) => a * b, 1));
  return { info: be.makeTensorInfo(shape, dtype, values), values };
}

export function rowMajor(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** dst[dstOffset + i·dstStrides] = src[srcOffset + i·srcStrides] for every index tuple i < shape (in elements). */
export function copyStrided(src: Movable, srcOffset: number, srcStrides: number[], dst: Movable, dstOffset: number,
  dstStrides: number[], shape: number[]): void {
  const r = shape.length;
  const geom = new Float64Array(3 + 3 * r);
  geom[0] = r;
  geom[1] = srcOffset;
  geom[2] = dstOffset;
  for (let k = 0; k < r; k++) {
    geom[3 + k] = shape[k];
    geom[3 + r + k] = srcStrides[k];
    geom[3 + 2 * r + k] = dstStrides[k];
  }
  addon().copyStrided(src, dst, geom);
}

/** An output that is `x`'s data under another shape (same element order): no copy. */
export function shareData(backend: unknown, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  nb(backend).incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}
