/**
 * Batch norm folded into the convolution in eval mode (engine/nn/conv_bn.ts): the same outputs as conv, then
 * batch norm with running statistics, then ReLU (to 1e-5 relative, on cpu and, when built, native), for basic
 * and bottleneck ResNets with non-trivial statistics; new weights and statistics take effect (the cached fold is
 * refreshed); gradients in eval mode still reach the weights; no tensor leaks, and dispose frees the cache (and
 * the option-A shortcut filters).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { buildResNet, ResNet } from '../../backbone/resnet';
import { BatchNorm2d } from '../../engine/nn/batch_norm2d';
import { Conv2d } from '../../engine/nn/conv2d';
import { convBn } from '../../engine/nn/conv_bn';
import { rand, relErr, size } from '../helpers/kernel_parity';
import { withNative } from '../helpers/requirements';

const T = (shape: number[], seed: number) => tf.tensor(rand(size(shape), seed), shape);

/** Random γ, β, running mean and variance in every batch norm (variance in [0.25, 2.25)). */
function randomiseStatistics(m: ResNet, seed: number): void {
  m.namedModules().forEach(([, mod], i) => {
    if (!(mod instanceof BatchNorm2d)) return;
    const c = mod.numFeatures;
    const s = seed + 10 * i;
    tf.tidy(() => {
      mod.weight.variable.assign(tf.add(T([c], s), 1));
      mod.bias.variable.assign(T([c], s + 1));
      mod.runningMean.assign(tf.mul(T([c], s + 2), 0.5));
      mod.runningVar.assign(tf.add(tf.square(T([c], s + 3)), 0.25));
    });
  });
}

/** The unfolded eval computation: batch norms frozen (running statistics) while the modules train. */
function unfolded(m: ResNet, x: tf.Tensor4D): tf.Tensor2D {
  const bns = m.namedModules().map(([, mod]) => mod).filter((mod): mod is BatchNorm2d => mod instanceof BatchNorm2d);
  m.train();
  bns.forEach((b) => (b.frozen = true));
  try {
    return m.forward(x);
  } finally {
    bns.forEach((b) => (b.frozen = false));
    m.eval();
  }
}

const backends = withNative(['cpu'], 'conv + batch norm folded in eval mode');

describe.each(backends)('conv + batch norm folded in eval mode (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
    await tf.setBackend(backend);
  });

  test.each([
    ['resnet20', { widthMultiplier: 0.5 }, [2, 16, 16, 3]],
    ['resnet50', { widthMultiplier: 0.125, numClasses: 7 }, [1, 36, 36, 3]],
    ['resnet18', { widthMultiplier: 0.25, shortcut: 'C' as const, numClasses: 5 }, [1, 33, 33, 2]],
  ])('%s: folded = conv, batch norm, ReLU', (arch, opts, xs) => {
    const start = tf.memory().numTensors;
    const m = buildResNet(arch, { ...opts, inputChannels: xs[3] });
    randomiseStatistics(m, 3);
    const x = T(xs, 7) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const want = unfolded(m, x);
    const got = m.eval().forward(x);
    expect(relErr(got.dataSync() as Float32Array, want.dataSync() as Float32Array)).toBeLessThan(1e-5);
    // the cached fold is reused: a second call adds no tensors beyond its output
    const again = m.forward(x);
    const first = Float32Array.from(got.dataSync());
    expect(relErr(again.dataSync() as Float32Array, first)).toBe(0);
    tf.dispose([got, want, again]);
    const cached = tf.memory().numTensors - before;
    expect(cached).toBeGreaterThan(0); // the folded filters and biases
    // new statistics and weights take effect
    randomiseStatistics(m, 11);
    const w = m.stages[0].blocks[0].namedParameters()[0][1].variable;
    tf.tidy(() => w.assign(tf.mul(T(w.shape, 5), 0.3)));
    const want2 = unfolded(m, x);
    const got2 = m.forward(x);
    expect(relErr(got2.dataSync() as Float32Array, want2.dataSync() as Float32Array)).toBeLessThan(1e-5);
    expect(relErr(got2.dataSync() as Float32Array, first)).toBeGreaterThan(1e-3);
    tf.dispose([got2, want2]);
    expect(tf.memory().numTensors - before).toBe(cached); // old folds released when refreshed
    m.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  test('dispose frees everything a network made: folded copies and option-A shortcut filters', () => {
    const before = tf.memory().numTensors;
    const m = buildResNet('resnet20', { widthMultiplier: 0.5 });
    const x = T([1, 8, 8, 3], 1) as tf.Tensor4D;
    m.classify(x).dispose();
    m.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('gradients in eval mode reach the weights (nothing cached under a tape)', () => {
    const conv = new Conv2d(3, 4, { kernelSize: 3, bias: true });
    const bn = new BatchNorm2d(4);
    bn.eval();
    tf.tidy(() => {
      bn.runningVar.assign(tf.add(tf.square(T([4], 2)), 0.5));
      bn.runningMean.assign(T([4], 3));
      bn.weight.variable.assign(tf.add(T([4], 4), 1.5));
      conv.bias!.variable.assign(T([4], 6));
    });
    const x = T([2, 6, 5, 3], 1) as tf.Tensor4D;
    const r = T([2, 6, 5, 4], 9);
    const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(f(), r)) as tf.Scalar;
    const before = tf.memory().numTensors;
    const folded = tf.variableGrads(loss(() => convBn(conv, bn, x, true)), [conv.weight.variable, conv.bias!.variable, bn.weight.variable]);
    bn.train();
    bn.frozen = true;
    const plain = tf.variableGrads(loss(() => convBn(conv, bn, x, true)), [conv.weight.variable, conv.bias!.variable, bn.weight.variable]);
    expect(relErr(folded.value.dataSync() as Float32Array, plain.value.dataSync() as Float32Array)).toBeLessThan(1e-5);
    for (const name of Object.keys(plain.grads)) {
      expect(relErr(folded.grads[name].dataSync() as Float32Array, plain.grads[name].dataSync() as Float32Array)).toBeLessThan(1e-5);
    }
    tf.dispose([folded.value, plain.value, ...Object.values(folded.grads), ...Object.values(plain.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
    conv.dispose();
    bn.dispose();
  });
});
