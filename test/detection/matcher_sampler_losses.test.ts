/**
 * Matcher (thresholds, ignore band, low-quality matches), balanced sampler (counts, seeding), smooth-L1 and
 * L1 losses (values, gradients vs finite differences), bad input, no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS, Matcher } from '../../detection/modeling/matcher';
import { BalancedPositiveNegativeSampler } from '../../detection/modeling/sampler';
import { l1Loss, smoothL1Loss } from '../../detection/ops/losses';

describe.each(['cpu', 'wasm'])('matcher, sampler, losses (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('Matcher: thresholds, ignore band, low-quality matches, ties', () => {
    const before = tf.memory().numTensors;
    // 2 gt x 5 predictions
    const q = tf.tensor2d([
      [0.9, 0.5, 0.2, 0.1, 0.35],
      [0.1, 0.6, 0.25, 0.0, 0.35],
    ]);
    const plain = new Matcher(0.7, 0.3).match(q);
    expect(Array.from(plain.dataSync())).toEqual([0, BETWEEN_THRESHOLDS, BELOW_LOW_THRESHOLD, BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS]);
    expect(plain.dtype).toBe('int32');
    // gt 1's best is 0.6 (prediction 1): low-quality matching restores prediction 1 → gt 1 (its own best)
    const lq = new Matcher(0.7, 0.3, true).match(q);
    expect(Array.from(lq.dataSync())).toEqual([0, 1, BELOW_LOW_THRESHOLD, BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS]);
    // equal quality: the first gt wins; thresholds are inclusive at the top (>= high is a match)
    expect(Array.from(new Matcher(0.35, 0.3).matchArray([0.35, 0.35], 2, 1))).toEqual([0]);
    // a gt whose best prediction ties: all tied predictions are restored
    expect(Array.from(new Matcher(0.7, 0.3, true).matchArray([0.2, 0.2, 0.1], 1, 3))).toEqual([0, 0, BELOW_LOW_THRESHOLD]);
    expect(new Matcher(0.7, 0.3).matchArray([], 1, 0).length).toBe(0);
    tf.dispose([q, plain, lq]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('Matcher bad input', () => {
    expect(() => new Matcher(0.3, 0.7)).toThrow(/lowThreshold/);
    expect(() => new Matcher(0.7, 0.3).matchArray([], 0, 4)).toThrow(/no ground-truth boxes/);
    expect(() => new Matcher(0.7, 0.3).matchArray([0.5, NaN], 1, 2)).toThrow(/quality \[0, 1\] is NaN/);
    expect(() => new Matcher(0.7, 0.3).matchArray([0.5], 1, 2)).toThrow(/1 values for a \[1, 2\] matrix/);
  });

  test('BalancedPositiveNegativeSampler: counts, fraction, seeding', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 40 ? 1 + (i % 3) : i < 900 ? 0 : -1));
    const s = new BalancedPositiveNegativeSampler(256, 0.25, 7);
    const [m] = s.sample([labels]);
    const sum = (a: Uint8Array) => a.reduce((x, y) => x + y, 0);
    expect(sum(m.positive)).toBe(40); // only 40 positives < 64
    expect(sum(m.negative)).toBe(216);
    m.positive.forEach((v, i) => v && expect(labels[i]).toBeGreaterThanOrEqual(1));
    m.negative.forEach((v, i) => v && expect(labels[i]).toBe(0));
    const many = Int32Array.from({ length: 1000 }, (_, i) => (i % 2 ? 1 : 0));
    const [m2] = new BalancedPositiveNegativeSampler(256, 0.25, new Rng(1)).sample([many]);
    expect(sum(m2.positive)).toBe(64);
    expect(sum(m2.negative)).toBe(192);
    const again = new BalancedPositiveNegativeSampler(256, 0.25, new Rng(1)).sample([many])[0];
    expect(Array.from(again.positive)).toEqual(Array.from(m2.positive));
    const other = new BalancedPositiveNegativeSampler(256, 0.25, new Rng(2)).sample([many])[0];
    expect(Array.from(other.positive)).not.toEqual(Array.from(m2.positive));
    const [empty] = s.sample([new Int32Array(0)]);
    expect(empty.positive.length).toBe(0);
    expect(() => new BalancedPositiveNegativeSampler(0, 0.5)).toThrow(/batchSizePerImage/);
    expect(() => new BalancedPositiveNegativeSampler(8, 1.5)).toThrow(/positiveFraction/);
    expect(() => s.sample([[0, NaN]])).toThrow(/label 1 is NaN/);
  });

  test('smooth-L1 / L1: values and gradients vs finite differences', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([[0.05, -0.5, 2, 0.1], [-0.2, 0.0, 1.0, -3]]);
    const y = tf.tensor2d([[0, 0, 1, 0.2], [0, 0.03, 1.5, -1]]);
    const beta = 1 / 9;
    const ref = (a: number, b: number) => {
      const n = Math.abs(a - b);
      return n < beta ? (0.5 * n * n) / beta : n - 0.5 * beta;
    };
    const xv = x.dataSync(), yv = y.dataSync();
    const want = Array.from(xv, (v, i) => ref(v, yv[i])).reduce((a, b) => a + b, 0);
    const sl = smoothL1Loss(x, y);
    expect(sl.dataSync()[0]).toBeCloseTo(want, 5);
    const l1 = l1Loss(x, y, 'mean');
    expect(l1.dataSync()[0]).toBeCloseTo(Array.from(xv, (v, i) => Math.abs(v - yv[i])).reduce((a, b) => a + b, 0) / 8, 5);
    const none = smoothL1Loss(x, y, beta, 'none');
    expect(none.shape).toEqual([2, 4]);
    for (const f of [(t: tf.Tensor) => smoothL1Loss(t, y), (t: tf.Tensor) => l1Loss(t, y), (t: tf.Tensor) => smoothL1Loss(t, y, 0)]) {
      const g = tf.grad(f)(x);
      const gv = g.dataSync();
      for (let i = 0; i < 8; i++) {
        const eps = 1e-3;
        const at = (d: number) => tf.tidy(() => {
          const v = Float32Array.from(xv);
          v[i] += d;
          return f(tf.tensor2d(v, [2, 4])).dataSync()[0];
        });
        expect(Math.abs((at(eps) - at(-eps)) / (2 * eps) - gv[i])).toBeLessThan(2e-2);
      }
      g.dispose();
    }
    expect(() => tf.tidy(() => smoothL1Loss(x, tf.zeros([2, 3])))).toThrow(/same shape/);
    expect(() => smoothL1Loss(x, y, -1)).toThrow(/beta/);
    expect(() => l1Loss(x, y, 'avg' as never)).toThrow(/unknown reduction/);
    tf.dispose([x, y, sl, l1, none]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
