/**
 * A float32 tensor's values for the host to read, without a copy where the backend allows: valid until the tensor
 * is disposed, never to be kept or written. On the native backend `dataSync` hands out the backend's own array and
 * must mark it as escaped from the buffer pool (it cannot know that the reader lets go), so a tensor read every
 * step — the RPN's objectness and box deltas, 2 MB a demo step — was allocated afresh every step, paying the
 * first-touch page faults of new memory each time. Elsewhere `dataSync`.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from './native/native_backend';

export function readView(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`readView: a float32 tensor expected, got ${t.dtype}`);
  const backend = tf.backend() as Partial<Pick<NativeBackend, 'f32'>>;
  const view = typeof backend.f32 === 'function' ? backend.f32(t) : null;
  return view && view.length === t.size ? view : (t.dataSync() as Float32Array);
}
