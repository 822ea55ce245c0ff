/**
 * Conv2D's gradient (engine/grads/conv2d_gradient.ts): dx and dW against sums written out here in JavaScript
 * (stride 2, explicit padding), the dilation refusal, and the point of it — where one tensor feeds two
 * convolutions, at most two arrays of its size are alive during the backward pass on native (the input, then
 * the two gradients summed in place), not three.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';

beforeAll(async () => {
  await initBackend(process.env.RESDET_TEST_BACKEND ?? 'native');
});

/** y[n,oh,ow,co] = Σ x[n, oh*s+kh-p, ow*s+kw-p, ci] · w[kh,kw,ci,co] as index lists: the positions each product reads. */
function forEachProduct(xs: number[], ws: number[], s: number, p: number, ys: number[], f: (xi: number, wi: number, yi: number) => void) {
  const [N, H, W, C] = xs, [KH, KW, , CO] = ws, [, OH, OW] = ys;
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    const h = oh * s + kh - p, w = ow * s + kw - p;
    if (h < 0 || h >= H || w < 0 || w >= W) continue;
    for (let ci = 0; ci < C; ci++) for (let co = 0; co < CO; co++) {
      f(((n * H + h) * W + w) * C + ci, ((kh * KW + kw) * C + ci) * CO + co, ((n * OH + oh) * OW + ow) * CO + co);
    }
  }
}

test('dx and dW are the sums of the convolution\'s products, stride 2 with padding 1', () => {
  const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, 2, 1);
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 1))([x, w], dy);
  const xv = x.dataSync(), wv = w.dataSync(), dyv = dy.dataSync();
  const dxRef = new Float64Array(x.size), dwRef = new Float64Array(w.size);
  forEachProduct(x.shape, w.shape, 2, 1, y.shape, (xi, wi, yi) => {
    dxRef[xi] += wv[wi] * dyv[yi];
    dwRef[wi] += xv[xi] * dyv[yi];
  });
  const close = (got: Float32Array | Int32Array | Uint8Array, want: Float64Array) => Math.max(...Array.from(got, (g, i) => Math.abs(g - want[i])));
  expect(close(dx.dataSync(), dxRef)).toBeLessThan(1e-4);
  expect(close(dw.dataSync(), dwRef)).toBeLessThan(1e-4);
  tf.dispose([x, w, y, dy, dx, dw]);
});

test('dilation is refused as tfjs refuses it', () => {
  const x = tf.ones([1, 5, 5, 1]) as tf.Tensor4D, w = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
  expect(() => tf.grad((a: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, w, 1, 'valid', 'NHWC', 2))(x)).toThrow(/dilation rates greater than 1/);
  tf.dispose([x, w]);
});

test('native: a tensor that feeds two convolutions has at most two arrays of its size alive in the backward pass', () => {
  if (tf.getBackend() !== 'native') return;
  const pool = (tf.backend() as unknown as { pool: { take(n: number): Float32Array; give(v: unknown): void } }).pool;
  const v = tf.variable(tf.randomNormal([1, 32, 32, 16], 0, 1, 'float32', 4));
  const w1 = tf.variable(tf.randomNormal([1, 1, 16, 8], 0, 0.1, 'float32', 5));
  const w2 = tf.variable(tf.randomNormal([1, 1, 16, 32], 0, 0.1, 'float32', 6));
  const size = v.size;
  const live = new Set<unknown>();
  let most = 0;
  const { take, give } = pool;
  // arrays of x's size: x, each convolution's dx and their sum, and v's gradient
  pool.take = (n: number) => {
    const a = take.call(pool, n);
    if (n === size) live.add(a);
    most = Math.max(most, live.size);
    return a;
  };
  pool.give = (a: unknown) => {
    live.delete(a);
    give.call(pool, a);
  };
  try {
    const { grads } = tf.variableGrads(() => {
      const x = tf.mul(v, 2) as tf.Tensor4D; // Mul keeps v, not x: only the convolutions hold x
      return tf.add(tf.sum(tf.conv2d(x, w1 as unknown as tf.Tensor4D, 1, 'valid')), tf.sum(tf.square(tf.conv2d(x, w2 as unknown as tf.Tensor4D, 2, 'valid')))) as tf.Scalar;
    });
    tf.dispose(grads);
    expect(most).toBe(2); // x, the first dx; the second dx takes x's memory and is summed into the first
  } finally {
    pool.take = take;
    pool.give = give;
  }
  tf.dispose([v, w1, w2]);
});
