/**
 * Conv2D's gradient (engine/grads/conv2d_gradient.ts): dx and dW against sums written out here in JavaScript
 * (stride 2, explicit padding), the dilation refusal, and the point of it — where one tensor feeds two
 * convolutions, at most two arrays of its size are alive during the backward pass on native (the input, then
 * the two gradients summed in place), not three; the same for the frozen unit's op (engine/ops/conv_bias_relu.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { convBiasRelu } from '../../engine/ops/conv_bias_relu';

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

type Pool = { take(n: number): Float32Array; give(v: unknown): void };

/** The most arrays of `size` floats from the native pool alive at once while `fn` runs. */
function mostAlive(size: number, fn: () => void): number {
  const pool = (tf.backend() as unknown as { pool: Pool }).pool;
  const live = new Set<unknown>();
  let most = 0;
  const { take, give } = pool;
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
    fn();
  } finally {
    pool.take = take;
    pool.give = give;
  }
  return most;
}

/**
 * Gradients of a tensor x = 2v (Mul keeps v, not x: only the two convolutions hold x) that feeds two convolutions;
 * the arrays of x's size: x, each convolution's dx and their sum, and v's gradient.
 */
function mostAliveWithTwoConsumers(conv: (x: tf.Tensor4D, w: tf.Tensor4D, stride: number) => tf.Tensor4D): number {
  const initial = [tf.randomNormal([1, 32, 32, 16], 0, 1, 'float32', 4), tf.randomNormal([1, 1, 16, 8], 0, 0.1, 'float32', 5), tf.randomNormal([1, 1, 16, 32], 0, 0.1, 'float32', 6)];
  const [v, w1, w2] = initial.map((t) => tf.variable(t));
  const before = tf.memory().numTensors;
  const most = mostAlive(v.size, () => {
    const { value, grads } = tf.variableGrads(() => {
      const x = tf.mul(v, 2) as tf.Tensor4D;
      return tf.add(tf.sum(conv(x, w1 as unknown as tf.Tensor4D, 1)), tf.sum(tf.square(conv(x, w2 as unknown as tf.Tensor4D, 2)))) as tf.Scalar;
    });
    tf.dispose([value, grads]);
  });
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([v, w1, w2, ...initial]);
  return most;
}

test('native: a tensor that feeds two convolutions has at most two arrays of its size alive in the backward pass', () => {
  if (tf.getBackend() !== 'native') return;
  // x, the first dx; the second dx takes x's memory and is summed into the first
  expect(mostAliveWithTwoConsumers((x, w, s) => tf.conv2d(x, w, s, 'valid'))).toBe(2);
});

test('native: the same for the frozen unit (convolution, bias and ReLU as one op)', () => {
  if (tf.getBackend() !== 'native') return;
  const bias = tf.zeros([32]) as tf.Tensor1D;
  expect(mostAliveWithTwoConsumers((x, w, s) => convBiasRelu(x, w, bias.slice(0, w.shape[3]) as tf.Tensor1D, s, 0, true))).toBe(2);
  bias.dispose();
});

test('a gradient taken inside another (a tape recording) keeps the saved tensors the outer pass needs', () => {
  const x = tf.randomNormal([1, 6, 6, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
  const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 12));
  const bias = tf.zeros([4]) as tf.Tensor1D;
  const convs: Array<(h: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D> = [
    (h, f) => tf.conv2d(h, f, 1, 'valid'),
    (h, f) => convBiasRelu(h, f, bias, 1, 0, true),
    (h, f) => convBiasRelu(h, f, bias, 1, 0, false),
  ];
  for (const conv of convs) {
    const loss = (f: tf.Tensor) => tf.sum(tf.square(conv(tf.relu(tf.mul(x, 2)) as tf.Tensor4D, f as tf.Tensor4D))) as tf.Scalar;
    const plain = tf.variableGrads(() => loss(w), [w]);
    const nested = tf.variableGrads(() => {
      const { value, grad } = tf.valueAndGrad(loss)(w); // its backward pass runs while the outer tape records
      grad.dispose();
      return value;
    }, [w]);
    expect(nested.value.dataSync()).toEqual(plain.value.dataSync());
    const [a, b] = [nested.grads[w.name].dataSync(), plain.grads[w.name].dataSync()];
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-4);
    tf.dispose([plain.value, nested.value, plain.grads, nested.grads]);
  }
  tf.dispose([x, w, bias]);
});
