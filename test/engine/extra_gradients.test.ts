import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Central finite differences of a scalar function of x, in float64 arithmetic on float32 values. */
function numericGrad(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, h = 1e-2): Float32Array {
  const base = x.dataSync().slice();
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    plus[i] += h;
    const minus = base.slice();
    minus[i] -= h;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]);
    out[i] = (fp - fm) / (2 * h);
  }
  return out;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
}

test('stridedSlice gradient matches finite differences (strides, masks, negative stride)', () => {
  const x = tf.randomNormal([3, 5, 4], 0, 1, 'float32', 7);
  const w = tf.randomNormal([2, 2, 4], 0, 1, 'float32', 8);
  const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.stridedSlice(t, [1, 0, 0], [3, 5, 4], [1, 3, 1])), w)) as tf.Scalar;
  const g = tf.grad(f)(x);
  expectClose(g.dataSync(), numericGrad(f, x), 2e-2);
  const w2 = tf.randomNormal([3, 4], 0, 1, 'float32', 9);
  const f2 = (t: tf.Tensor) => tf.sum(tf.mul(tf.stridedSlice(t, [0, 4, 0], [3, 0, 4], [1, -2, 1], 0, 0, 0, 0, 0), tf.tile(tf.expandDims(w2, 1), [1, 2, 1]))) as tf.Scalar;
  const g2 = tf.grad(f2)(x);
  expectClose(g2.dataSync(), numericGrad(f2, x), 2e-2);
  tf.dispose([x, w, g, w2, g2]);
});

test('gatherND gradient sums repeated indices', () => {
  const x = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
  const idx = tf.tensor2d([[0, 1], [2, 2], [0, 1], [3, 0]], [4, 2], 'int32');
  const f = (t: tf.Tensor) => tf.sum(tf.square(tf.gatherND(t, idx))) as tf.Scalar;
  const g = tf.grad(f)(x);
  expectClose(g.dataSync(), numericGrad(f, x), 2e-2);
  const gv = g.arraySync() as number[][];
  const xv = x.arraySync() as number[][];
  expect(gv[0][1]).toBeCloseTo(4 * xv[0][1], 4);
  expect(gv[1][1]).toBe(0);
  tf.dispose([x, idx, g]);
});

test('comparison ops have zero gradients so masked losses differentiate', () => {
  const x = tf.tensor1d([-2, -0.5, 0.3, 3]);
  // smooth-L1 (beta 1) written with a comparison mask
  const f = (t: tf.Tensor) => {
    const a = tf.abs(t);
    const small = tf.cast(tf.less(a, 1), 'float32');
    return tf.sum(tf.add(tf.mul(small, tf.mul(0.5, tf.square(t))), tf.mul(tf.sub(1, small), tf.sub(a, 0.5)))) as tf.Scalar;
  };
  const g = tf.grad(f)(x);
  expectClose(g.dataSync(), [-1, -0.5, 0.3, 1], 1e-6);
  tf.dispose([x, g]);
});
