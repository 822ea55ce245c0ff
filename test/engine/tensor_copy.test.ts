/**
 * tensorFromCopy (engine/tensor_copy.ts): the tensor holds the values as they were (writing to the source
 * afterwards changes nothing), on cpu and native; on native its array comes from the backend's pool (a second
 * batch of the same size reuses the first one's array once that is disposed); a wrong size is refused; no leak.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { tensorFromCopy } from '../../engine/tensor_copy';
import { withNative } from '../helpers/requirements';

describe.each(withNative(['cpu'], 'tensorFromCopy'))('tensorFromCopy on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('holds a copy of the values; the source can be reused', () => {
    const before = tf.memory().numTensors;
    const src = Float32Array.from({ length: 2 * 3 * 4 * 3 }, (_, i) => i * 0.5 - 7);
    const expected = Array.from(src);
    const x = tensorFromCopy<tf.Rank.R4>(src, [2, 3, 4, 3]);
    src.fill(42);
    expect(x.shape).toEqual([2, 3, 4, 3]);
    expect(x.dtype).toBe('float32');
    expect(Array.from(x.dataSync())).toEqual(expected);
    expect(tf.tidy(() => tf.sum(tf.mul(x, 2)).arraySync())).toBeCloseTo(expected.reduce((a, b) => a + b, 0) * 2, 3);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('a size that does not fit the shape is refused', () => {
    expect(() => tensorFromCopy(new Float32Array(5), [2, 3])).toThrow('tensorFromCopy: 5 values for shape [2,3]');
  });

  if (backend === 'native') {
    test('the array comes from the pool: a disposed batch\'s array is reused by the next one of its size', () => {
      const src = new Float32Array(64 * 1024).fill(1);
      const be = tf.backend() as unknown as { f32(t: tf.TensorInfo): Float32Array | null };
      const a = tensorFromCopy<tf.Rank.R2>(src, [256, 256]);
      const first = be.f32(a);
      a.dispose();
      const b = tensorFromCopy<tf.Rank.R2>(src, [256, 256]);
      expect(be.f32(b)).toBe(first);
      b.dispose();
    });
  }
});
