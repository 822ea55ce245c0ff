import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { batchNormTrain } from '../../engine/ops/batch_norm';
import { BatchNorm2d } from '../../engine/nn/batch_norm2d';

function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-12));
  return d;
}

/** tfjs's own graph: the reference the single kernel must agree with. */
function reference(x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}

describe.each(['cpu', 'wasm'])('batch norm in training as one kernel (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('forward and gradients match the tfjs graph', () => {
    const x = tf.randomNormal([3, 5, 7, 6], 2, 3, 'float32', 1);
    const g = tf.randomNormal([6], 1, 0.5, 'float32', 2) as tf.Tensor1D;
    const b = tf.randomNormal([6], 0, 1, 'float32', 3) as tf.Tensor1D;
    const w = tf.randomNormal([3, 5, 7, 6], 0, 1, 'float32', 4);
    const loss = (f: (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor) =>
      (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.square(f(xx, gg as tf.Tensor1D, bb as tf.Tensor1D)), w));
    const mine = tf.grads(loss((xx, gg, bb) => batchNormTrain(xx, gg, bb, 1e-5).y));
    const ref = tf.grads(loss((xx, gg, bb) => reference(xx, gg, bb, 1e-5)));
    const ym = batchNormTrain(x, g, b);
    const yr = reference(x, g, b, 1e-5);
    expect(maxRel(ym.y, yr)).toBeLessThan(1e-5);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    expect(maxRel(ym.mean, mean)).toBeLessThan(1e-5);
    expect(maxRel(ym.variance, variance)).toBeLessThan(1e-5);
    const gm = mine([x, g, b]);
    const gr = ref([x, g, b]);
    for (let i = 0; i < 3; i++) expect(maxRel(gm[i], gr[i])).toBeLessThan(1e-4);
    tf.dispose([x, g, b, w, ym.y, ym.mean, ym.variance, yr, mean, variance, ...gm, ...gr]);
  });

  test('with relu: batch norm and ReLU in one kernel match the tfjs graph followed by tf.relu, forward and gradients', () => {
    const x = tf.randomNormal([2, 6, 5, 8], 0.5, 2, 'float32', 11);
    const g = tf.randomNormal([8], 1, 0.5, 'float32', 12) as tf.Tensor1D;
    const b = tf.randomNormal([8], 0, 1, 'float32', 13) as tf.Tensor1D;
    const w = tf.randomNormal([2, 6, 5, 8], 0, 1, 'float32', 14);
    const loss = (f: (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor) =>
      (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, gg as tf.Tensor1D, bb as tf.Tensor1D), w));
    const fused = (xx: tf.Tensor, gg: tf.Tensor1D, bb: tf.Tensor1D) => batchNormTrain(xx, gg, bb, 1e-5, true).y;
    const graph = (xx: tf.Tensor, gg: tf.Tensor1D, bb: tf.Tensor1D) => tf.relu(reference(xx, gg, bb, 1e-5));
    const prof = tf.profile(() => fused(x, g, b));
    return prof.then((info) => {
      expect(info.kernelNames).toEqual(['ResdetBatchNormReluTrain']);
      const [ym, yr] = [info.result as tf.Tensor, graph(x, g, b)];
      expect(tf.min(ym).dataSync()[0]).toBe(0);
      expect(maxRel(ym, yr)).toBeLessThan(1e-5);
      const gm = tf.grads(loss(fused))([x, g, b]);
      const gr = tf.grads(loss(graph))([x, g, b]);
      for (let i = 0; i < 3; i++) expect(maxRel(gm[i], gr[i])).toBeLessThan(1e-4);
      tf.dispose([x, g, b, w, ym, yr, ...gm, ...gr]);
    });
  });

  test('BatchNorm2d updates running statistics as PyTorch does', () => {
    const bn = new BatchNorm2d(2);
    const data = [1, 10, 2, 20, 3, 30, 6, 60];
    const x = tf.tensor4d(data, [2, 1, 2, 2]);
    const y = bn.forward(x);
    // channel 0: values 1,2,3,6 → mean 3, unbiased var 14/3; channel 1: ×10
    const rm = bn.runningMean.dataSync();
    const rv = bn.runningVar.dataSync();
    expect(rm[0]).toBeCloseTo(0.3, 6);
    expect(rm[1]).toBeCloseTo(3, 5);
    expect(rv[0]).toBeCloseTo(0.9 + 0.1 * (14 / 3), 5);
    expect(rv[1]).toBeCloseTo(0.9 + 0.1 * (1400 / 3), 3);
    bn.eval();
    const ye = bn.forward(x);
    expect(ye.dataSync()[0]).toBeCloseTo((1 - 0.3) / Math.sqrt(rv[0] + 1e-5), 5);
    tf.dispose([x, y, ye]);
    bn.dispose();
  });
});
