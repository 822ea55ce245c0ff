/**
 * The native batch norm in training (engine/native/src/batch_norm.cc, OpenMP loops) against the cpu kernels on
 * inputs large enough for its threaded path, at ResNet-20's shapes on 3x32x32 and 1x28x28 and odd ones: y, batch
 * mean and variance, and the gradients to 1e-4 relative; an input with a large mean (variance from sums of
 * squares must not lose it). Skipped, with a note, when the addon is not built.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { batchNormTrain } from '../../engine/ops/batch_norm';
import { rand, relErr, size } from '../helpers/kernel_parity';
import { requires } from '../helpers/requirements';

const maybe = requires('native').describe;

const T = (shape: number[], seed: number) => tf.tensor(rand(size(shape), seed), shape);

async function outputs(backend: string, shape: number[], shift: number, seed: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const C = shape[shape.length - 1];
  const outs = tf.tidy(() => {
    const x = tf.add(tf.mul(T(shape, seed), 2), shift);
    const scale = tf.add(T([C], seed + 1), 1.5) as tf.Tensor1D;
    const offset = T([C], seed + 2) as tf.Tensor1D;
    const r = T(shape, seed + 3);
    const { y, mean, variance } = batchNormTrain(x, scale, offset, 1e-5);
    const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
      tf.sum(tf.mul(batchNormTrain(a, s as tf.Tensor1D, o as tf.Tensor1D, 1e-5).y, r)))([x, scale, offset]);
    return [y, mean, variance, ...grads];
  });
  const vals = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return vals;
}

maybe('native batch norm in training, threaded sizes', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    await initBackend('native');
  });

  test.each([
    [[32, 32, 32, 16], 0],
    [[32, 28, 28, 16], 0],
    [[32, 7, 7, 64], 0],
    [[5, 33, 31, 3], 0],
    [[40000, 5], 0],
    [[8, 16, 16, 32], 100],
  ])('%j, mean shifted by %d: outputs and gradients as on cpu', async (shape, shift) => {
    const want = await outputs('cpu', shape as number[], shift as number, 7);
    const got = await outputs('native', shape as number[], shift as number, 7);
    const names = ['y', 'mean', 'variance', 'dx', 'dscale', 'doffset'];
    got.forEach((g, i) => {
      const e = relErr(g, want[i]);
      if (!(e <= 1e-4)) throw new Error(`${names[i]}: relative error ${e}`);
    });
  });
});
