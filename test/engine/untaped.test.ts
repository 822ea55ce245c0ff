/**
 * untaped (engine/grads/untaped.ts): ops run inside it compute the same values but are not recorded on the
 * gradient tape (no tape nodes, no saved clones), so what they return is a constant to the gradient; the tape
 * records again afterwards, also when f throws. Batch norm's running-statistics update in training is off the tape.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { untaped } from '../../engine/grads/untaped';
import { BatchNorm2d } from '../../engine/nn/batch_norm2d';

const tape = () => (tf.engine() as unknown as { state: { activeTape: { kernelName: string }[] | null } }).state.activeTape ?? [];
const tapeLength = () => tape().length;

describe('untaped', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  test('a value computed inside is a constant to the gradient; the same value either way', () => {
    const x = tf.tensor1d([1, 2, 3]);
    // f(x) = sum(x * c(x)), c = 2x: d/dx is 4x when c is recorded, 2x when c is a constant
    const taped = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, tf.mul(v, 2))))(x);
    const off = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, untaped(() => tf.mul(v, 2)))))(x);
    expect(Array.from(taped.dataSync())).toEqual([4, 8, 12]);
    expect(Array.from(off.dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(untaped(() => tf.mul(x, 2)).dataSync())).toEqual([2, 4, 6]);
    tf.dispose([x, taped, off]);
  });

  test('nothing is recorded inside; recording resumes after, also after a throw', () => {
    const x = tf.tensor1d([1, 2]);
    const lengths: number[] = [];
    const g = tf.grad((v: tf.Tensor) => {
      const a = tf.mul(v, 3);
      lengths.push(tapeLength());
      untaped(() => tf.add(tf.mul(a, 2), 1));
      lengths.push(tapeLength());
      expect(() => untaped(() => { throw new Error('boom'); })).toThrow('boom');
      const b = tf.sum(tf.mul(a, v));
      lengths.push(tapeLength());
      return b;
    })(x);
    expect(lengths[1]).toBe(lengths[0]);
    expect(lengths[2]).toBeGreaterThan(lengths[1]);
    expect(Array.from(g.dataSync())).toEqual([6, 12]); // d/dv sum(3v * v)
    tf.dispose([x, g]);
  });

  test('batch norm in training records none of its running-statistics update, and still updates the running statistics', () => {
    const bn = new BatchNorm2d(3);
    bn.train();
    const x = tf.tensor4d(Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => (i * 7) % 5), [2, 2, 2, 3]);
    let recorded: string[] = [];
    const g = tf.grad((v: tf.Tensor4D) => {
      const before = tapeLength();
      const y = bn.forward(v);
      recorded = tape().slice(before).map((n) => n.kernelName);
      return tf.sum(y);
    })(x);
    expect(recorded).toContain('ResdetBatchNormTrain');
    expect(recorded.filter((k) => k === 'Multiply' || k === 'Add')).toEqual([]); // the running-statistics update
    expect(Array.from(bn.runningMean.dataSync()).some((m) => m !== 0)).toBe(true);
    tf.dispose([x, g]);
    bn.dispose();
  });
});
