/**
 * The host array a tensor's values live in, on the backends that keep them in one (resdet's native backend
 * and tfjs-cpu: a Float32Array per tensor), so that a collective can work on it in place — no copy out, no new
 * tensor back. Read through the backend's own table rather than `dataSync`, which on the native backend
 * marks the array as escaped and keeps it out of the buffer pool for good. Other backends (wasm, tfjs-node)
 * return null: their callers copy.
 */
import * as tf from '@tensorflow/tfjs';

interface TypedArrayBackend {
  data?: { get(id: object): { values?: unknown } | undefined };
}

const HOST_BACKENDS = new Set(['native', 'cpu']);

/** The Float32Array holding exactly `t`'s values, or null when there is none to write in place. */
export function hostStorage(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32' || !HOST_BACKENDS.has(tf.getBackend())) return null;
  const values = (tf.backend() as unknown as TypedArrayBackend).data?.get(t.dataId)?.values;
  return values instanceof Float32Array && values.length === t.size ? values : null;
}

/** True when `a` and `b` share any byte of memory. */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
