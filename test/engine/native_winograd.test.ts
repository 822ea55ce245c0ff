/**
 * Winograd convolutions on the native backend (engine/native/src/conv.cc): a 3x3, stride-1 convolution that no
 * gradient is taken of (eval mode, inference) runs oneDNN's Winograd kernel; one that is recorded for a gradient
 * runs the direct kernel. Checked: the Winograd results agree with the cpu backend's to 1e-5 and differ from the
 * direct kernel's (so that the Winograd path did run); every call gives the same result (the first call, before
 * the weights are kept, included); under tf.grad the forward pass is bit-identical to the direct kernel's; a
 * ResNet-18 in eval mode gives the same logits as with Winograd off to 1e-5 of the largest; setConvWinograd(false)
 * restores the direct results bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { nativeAddon } from '../../engine/native/addon';
import { buildResNet } from '../../backbone/resnet';
import { rand, relErr, size } from '../helpers/kernel_parity';
import { requires } from '../helpers/requirements';

const maybe = requires('native').describe;

const T = (shape: number[], seed: number, scale = 1) => tf.tensor(rand(size(shape), seed).map((v) => v * scale), shape);

const values = (t: tf.Tensor): Float32Array => {
  const v = Float32Array.from(t.dataSync());
  t.dispose();
  return v;
};

/** Whether two arrays hold the same floats bit for bit. */
const identical = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

maybe('Winograd convolutions at inference (native)', () => {
  const addon = () => nativeAddon()!;
  const XS = [1, 28, 28, 64];
  const WS = [3, 3, 64, 64];

  beforeAll(async () => {
    await initBackend('cpu');
    await initBackend('native');
  });
  afterEach(() => addon().setConvWinograd(true));

  const conv = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.fused.conv2d({ x, filter: w, bias: b, strides: 1, pad: 'same', activation: 'relu' });

  test('agrees with the cpu backend, differs from the direct kernel, and is the same on every call', async () => {
    const x = T(XS, 1) as tf.Tensor4D, w = T(WS, 2, 0.1) as tf.Tensor4D, b = T([64], 3) as tf.Tensor1D;
    await tf.setBackend('cpu');
    const want = values(conv(tf.tensor4d(x.dataSync(), x.shape), tf.tensor4d(w.dataSync(), w.shape), tf.tensor1d(b.dataSync())));
    await tf.setBackend('native');
    const calls = [0, 1, 2].map(() => values(conv(x, w, b)));
    for (const c of calls) expect(relErr(c, want)).toBeLessThan(1e-5);
    expect(identical(calls[1], calls[0]) && identical(calls[2], calls[0])).toBe(true);
    addon().setConvWinograd(false);
    const direct = values(conv(x, w, b));
    expect(relErr(direct, want)).toBeLessThan(1e-5);
    expect(identical(direct, calls[0])).toBe(false);
    tf.dispose([x, w, b]);
  });

  test('a forward pass recorded for a gradient runs the direct kernel', () => {
    const x = T(XS, 4) as tf.Tensor4D, w = T(WS, 5, 0.1) as tf.Tensor4D, b = T([64], 6) as tf.Tensor1D;
    addon().setConvWinograd(false);
    const direct = values(conv(x, w, b));
    addon().setConvWinograd(true);
    const wino = values(conv(x, w, b));
    let recorded = new Float32Array(0);
    const g = tf.grad((xx: tf.Tensor) => {
      const y = conv(xx as tf.Tensor4D, w, b);
      recorded = Float32Array.from(y.dataSync());
      return y.sum();
    })(x);
    g.dispose();
    expect(identical(recorded, direct)).toBe(true);
    expect(identical(recorded, wino)).toBe(false);
    tf.dispose([x, w, b]);
  });

  test('ResNet-18 in eval mode: the same logits as the direct kernels to 1e-5 of the largest', () => {
    const model = buildResNet('resnet18', { numClasses: 10 });
    model.eval();
    const x = T([1, 112, 112, 3], 7) as tf.Tensor4D;
    const run = () => values(model.classify(x));
    const wino = run();
    addon().setConvWinograd(false);
    const direct = run();
    addon().setConvWinograd(true);
    const scale = Math.max(...direct.map(Math.abs));
    const worst = Math.max(...direct.map((v, i) => Math.abs(v - wino[i])));
    expect(worst / scale).toBeLessThan(1e-5);
    expect(identical(wino, direct)).toBe(false);
    expect(identical(run(), wino)).toBe(true);
    x.dispose();
    model.dispose();
  });
});
