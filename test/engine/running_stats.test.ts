/**
 * The running-statistics update of batch norm in training as one kernel (engine/kernels/running_stats_kernels.ts)
 * gives bit for bit what the element-wise ops give (runningMean * (1 - m) + mean * m; the variance made unbiased
 * first), on cpu, wasm and native, for awkward values (tiny, huge, negative zero, momentum 0.1 / 0.01 / 1, a count
 * of 1 and of 12,544, subnormal values — flushed on native as its element-wise kernels flush them); and matches PyTorch's rule on a hand-worked value.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { updatedRunningStats } from '../../engine/ops/batch_norm';
import { RUNNING_STATS } from '../../engine/kernels/running_stats_kernels';
import { hasKernel } from '../../engine/kernels/register';
import { rand } from '../helpers/kernel_parity';
import { withNative } from '../helpers/requirements';

const bits = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer.slice(0));

/** The element-wise ops the kernel replaces. */
function byOps(rm: tf.Tensor1D, rv: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, m: number, n: number) {
  return tf.tidy(() => {
    const unbiased = tf.mul(variance, n / Math.max(n - 1, 1));
    return [tf.add(tf.mul(rm, 1 - m), tf.mul(mean, m)), tf.add(tf.mul(rv, 1 - m), tf.mul(unbiased, m))];
  });
}

describe.each(withNative(['cpu', 'wasm'], 'running statistics kernel'))('running statistics on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('the kernel is registered and equals the element-wise ops bit for bit', () => {
    expect(hasKernel(RUNNING_STATS)).toBe(true);
    const C = 67;
    const special = [1e-38, -1e-40, 3e38, -0, 0, 1, 65504.5];
    const vals = (seed: number, scale: number) => tf.tensor1d(Array.from(rand(C, seed), (v, i) => (i < special.length ? special[(i + seed) % special.length] : v * scale)));
    for (const [m, n] of [[0.1, 12544], [0.01, 2], [1, 1], [0.1, 1], [0.3, 7]]) {
      const rm = vals(1, 3), rv = tf.abs(vals(2, 5)) as tf.Tensor1D, mean = vals(3, 2), variance = tf.abs(vals(4, 4)) as tf.Tensor1D;
      const [km, kv] = updatedRunningStats(rm, rv, mean, variance, m, n);
      const [om, ov] = byOps(rm, rv, mean, variance, m, n);
      expect(bits(km).equals(bits(om))).toBe(true);
      expect(bits(kv).equals(bits(ov))).toBe(true);
      tf.dispose([rm, rv, mean, variance, km, kv, om, ov]);
    }
  });

  test("PyTorch's rule on one value: 0.9 * 2 + 0.1 * 4 and 0.9 * 1 + 0.1 * (3 * 4 / 3)", () => {
    const [km, kv] = updatedRunningStats(tf.tensor1d([2]), tf.tensor1d([1]), tf.tensor1d([4]), tf.tensor1d([3]), 0.1, 4);
    expect(km.dataSync()[0]).toBeCloseTo(2.2, 6);
    expect(kv.dataSync()[0]).toBeCloseTo(1.3, 6);
    tf.dispose([km, kv]);
  });
});
