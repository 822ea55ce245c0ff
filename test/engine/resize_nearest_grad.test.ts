/**
 * The gradient of nearest-neighbour resizing is the adjoint of the forward on every backend: for each input
 * pixel, the sum of dy over the output pixels the forward copied it to (found by resizing one-hot images).
 * tfjs-cpu's own kernel fails this for batches (image b>0 reads another image's dy) and wasm's for
 * halfPixelCenters; resdet registers engine/kernels/resize_nearest_grad.ts for both.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { withNative } from '../helpers/requirements';

const backends = withNative(['cpu', 'wasm'], 'ResizeNearestNeighbor gradient');

describe.each(backends)('ResizeNearestNeighbor gradient (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test.each([
    [false, false, [3, 5], [7, 9]],
    [true, false, [3, 5], [7, 9]],
    [false, true, [3, 5], [7, 9]],
    [false, false, [4, 6], [8, 12]],
    [true, false, [5, 4], [3, 7]],
  ])('halfPixelCenters %s, alignCorners %s, %j → %j, batch 2', (hp, ac, [h, w], [oh, ow]) => {
    const before = tf.memory().numTensors;
    const B = 2, C = 3;
    const x = tf.tensor4d(Array.from({ length: B * h * w * C }, (_, i) => Math.sin(i)), [B, h, w, C]);
    const dy = tf.tensor4d(Array.from({ length: B * oh * ow * C }, (_, i) => Math.cos(1.3 * i)), [B, oh, ow, C]);
    const g = tf.grad((t: tf.Tensor4D) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(t, [oh, ow], ac, hp), dy)))(x);
    const got = g.dataSync();
    const dyv = dy.dataSync();
    // the forward's routing from one-hot inputs: output pixel (b, oy, ox, c) reads input pixel src[...]
    const n = B * h * w * C;
    const want = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const oneHot = tf.tidy(() => tf.image.resizeNearestNeighbor(tf.oneHot(tf.tensor1d([i], 'int32'), n).reshape([B, h, w, C]) as tf.Tensor4D, [oh, ow], ac, hp).dataSync());
      for (let k = 0; k < oneHot.length; k++) want[i] += oneHot[k] * dyv[k];
    }
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    tf.dispose([x, dy, g]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
