/**
 * A float32 tensor holding a copy of host values — for batches whose buffers the producer reuses. On the native
 * backend the copy goes into an array of its buffer pool: a fresh multi-megabyte array costs its first-touch page
 * faults every time (a demo batch, 4x256x384x3 floats: ~13 ms on this project's VMs, a pooled one ~0.1 ms).
 * Elsewhere a plain copy (tfjs's TypedArray backends keep the array they are given by reference).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from './native/native_backend';

export function tensorFromCopy<R extends tf.Rank>(values: Float32Array, shape: tf.ShapeMap[R]): tf.Tensor<R> {
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (size !== values.length) throw new Error(`tensorFromCopy: ${values.length} values for shape [${shape}]`);
  const backend = tf.backend() as Partial<Pick<NativeBackend, 'allocF32'>>;
  if (typeof backend.allocF32 !== 'function') return tf.tensor<R>(values.slice(), shape, 'float32');
  const { info, values: pooled } = backend.allocF32(shape as number[]);
  pooled.set(values);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}
