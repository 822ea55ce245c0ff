/**
 * Batch norm folded into the convolution in eval mode and for frozen batch norm in training
 * (engine/nn/conv_bn.ts): the same outputs as the network written out unit by unit — conv, then the batch-norm op
 * with running statistics, then ReLU (to 1e-5 relative, on cpu and, when built, native) — for basic and bottleneck
 * ResNets with non-trivial statistics, and in training the same weight gradients; new weights and statistics take
 * effect (the cached fold is refreshed); gradients in eval mode still reach the weights; no tensor leaks, and dispose frees the cache (and
 * the option-A shortcut filters).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { buildResNet, ResNet } from '../../backbone/resnet';
import { BatchNorm2d } from '../../engine/nn/batch_norm2d';
import { Conv2d } from '../../engine/nn/conv2d';
import { convBn } from '../../engine/nn/conv_bn';
import { batchNormInference } from '../../engine/ops/batch_norm';
import { BasicBlock, Bottleneck, Projection, ResidualBlock } from '../../backbone/blocks';
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

/** One unit unfolded: conv, then batch norm with running statistics (the op itself, not the module), then ReLU. */
function unit(conv: Conv2d, bn: BatchNorm2d, h: tf.Tensor4D, relu: boolean): tf.Tensor4D {
  const v = (p: { variable: tf.Variable }) => p.variable as tf.Tensor1D;
  const y = batchNormInference(conv.forward(h), v(bn.weight), v(bn.bias), bn.runningMean as tf.Tensor1D, bn.runningVar as tf.Tensor1D, bn.eps);
  return relu ? tf.relu(y) : y;
}

/** The network written out unit by unit, nothing folded: the reference for the folded computation. */
function unfolded(m: ResNet, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const block = (b: ResidualBlock, h: tf.Tensor4D): tf.Tensor4D => {
      const bottleneck = b instanceof Bottleneck;
      let y = unit(b.conv1, b.bn1, h, true);
      if (bottleneck) y = unit(b.conv2, b.bn2, y, true);
      const out = bottleneck ? unit(b.conv3, b.bn3, y, false) : unit((b as BasicBlock).conv2, (b as BasicBlock).bn2, y, false);
      if (b.plain) return tf.relu(out);
      const s = b.shortcut;
      const identity = s instanceof Projection ? unit(s.conv, s.bn, h, false) : s ? s.forward(h) : h;
      return tf.relu(tf.add(out, identity));
    };
    let h = unit(m.conv1, m.bn1, x, true);
    if (m.spec.style === 'imagenet') h = tf.maxPool(h, 3, 2, 1);
    for (const stage of m.stages) for (const b of stage.blocks) h = block(b, h);
    return m.fc.forward(tf.mean(h, [1, 2]) as tf.Tensor2D);
  });
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
    m.eval();
    const want = unfolded(m, x);
    const got = m.forward(x);
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

  test.each([
    ['resnet50', { widthMultiplier: 0.125, numClasses: 7 }, [1, 36, 36, 3]],
    ['resnet18', { widthMultiplier: 0.25, shortcut: 'C' as const, numClasses: 5 }, [1, 33, 33, 2]],
  ])('%s, frozen batch norm in training: folded under the tape, the same loss and weight gradients as unfolded', (arch, opts, xs) => {
    const start = tf.memory().numTensors;
    const m = buildResNet(arch, { ...opts, inputChannels: xs[3] });
    randomiseStatistics(m, 5);
    m.freeze();
    const weights = m.namedModules().flatMap(([, mod]) => (mod instanceof Conv2d ? [mod.weight.variable] : []));
    weights.forEach((w) => (w.trainable = true)); // conv weights train, batch norms stay frozen (as detectors past freezeAt)
    m.train();
    const x = T(xs, 8) as tf.Tensor4D;
    const r = T([xs[0], opts.numClasses], 4);
    const loss = (f: () => tf.Tensor) => () => tf.sum(tf.mul(f(), r)) as tf.Scalar;
    const folded = tf.variableGrads(loss(() => m.forward(x)), weights);
    const plain = tf.variableGrads(loss(() => unfolded(m, x)), weights);
    expect(relErr(folded.value.dataSync() as Float32Array, plain.value.dataSync() as Float32Array)).toBeLessThan(1e-5);
    for (const name of Object.keys(plain.grads)) {
      expect(relErr(folded.grads[name].dataSync() as Float32Array, plain.grads[name].dataSync() as Float32Array)).toBeLessThan(1e-4);
    }
    tf.dispose([folded.value, plain.value, ...Object.values(folded.grads), ...Object.values(plain.grads), x, r]);
    m.dispose();
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
    const plain = tf.variableGrads(loss(() => unit(conv, bn, x, true)), [conv.weight.variable, conv.bias!.variable, bn.weight.variable]);
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
