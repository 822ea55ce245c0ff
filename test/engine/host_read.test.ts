/**
 * readView (engine/host_read.ts): the values of a float32 tensor as dataSync gives them, on cpu and native; on
 * native without a copy and without taking the array from the buffer pool (dataSync does: the next tensor of
 * that size then gets a fresh array); a non-float32 tensor is refused.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { readView } from '../../engine/host_read';
import { withNative } from '../helpers/requirements';

describe.each(withNative(['cpu'], 'readView'))('readView on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('the values of a computed tensor, as dataSync reads them', () => {
    const x = tf.tidy(() => tf.mul(tf.range(0, 6000, 1, 'float32').reshape([60, 100]), 0.25));
    expect(Array.from(readView(x))).toEqual(Array.from(x.dataSync()));
    x.dispose();
  });

  test('a non-float32 tensor is refused', () => {
    const i = tf.tensor1d([1, 2], 'int32');
    expect(() => readView(i)).toThrow('readView: a float32 tensor expected, got int32');
    i.dispose();
  });

  if (backend === 'native') {
    test('no copy, and the array goes back to the pool (dataSync keeps it out)', () => {
      const be = tf.backend() as unknown as { f32(t: tf.TensorInfo): Float32Array | null };
      const make = () => tf.tidy(() => tf.add(tf.zeros([128, 128]), 1));
      const a = make();
      const view = readView(a);
      expect(view).toBe(be.f32(a));
      a.dispose();
      const b = make();
      expect(be.f32(b)).toBe(view); // reused
      b.dataSync();
      const arr = be.f32(b);
      b.dispose();
      const c = make();
      expect(be.f32(c)).not.toBe(arr); // escaped through dataSync: not reused
      c.dispose();
    });
  }
});
