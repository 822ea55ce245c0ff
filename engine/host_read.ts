/**
 * A float32 tensor's values on the host without a copy, on the backends that keep them in one array (resdet's
 * native backend and tfjs-cpu: a Float32Array per tensor), read through the backend's own table rather than
 * `dataSync`: on the native backend `dataSync` must mark the array as escaped from the buffer pool (it cannot know
 * that the reader lets go), so a tensor read every step — the RPN's objectness and box deltas, 2 MB a demo step —
 * was allocated afresh every step, paying the first-touch page faults of new memory each time.
 */
import * as tf from '@tensorflow/tfjs';

interface TypedArrayBackend {
  data?: { get(id: object): { values?: unknown } | undefined };
}

const HOST_BACKENDS = new Set(['native', 'cpu']);

/**
 * The Float32Array holding exactly `t`'s values, or null on backends without one (wasm, tfjs-node). Collectives
 * write into it in place (engine/distributed/gradient_buckets.ts).
 */
export function hostStorage(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32' || !HOST_BACKENDS.has(tf.getBackend())) return null;
  const values = (tf.backend() as unknown as TypedArrayBackend).data?.get(t.dataId)?.values;
  return values instanceof Float32Array && values.length === t.size ? values : null;
}

/** `t`'s values for reading: valid until the tensor is disposed, never to be kept or written; elsewhere `dataSync`. */
export function readView(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`readView: a float32 tensor expected, got ${t.dtype}`);
  return hostStorage(t) ?? (t.dataSync() as Float32Array);
}
