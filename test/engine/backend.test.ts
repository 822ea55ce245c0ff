import * as tf from '@tensorflow/tfjs';
import { initBackend, backendChoice } from '../../engine/backend';
import { buildResNet } from '../../backbone/resnet';

test('auto without tfjs-node picks wasm and says why; names are checked', async () => {
  delete process.env.RESDET_BACKEND;
  const name = await initBackend('auto');
  const installed = (() => {
    try {
      require.resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  })();
  if (!installed) {
    // resdet's own native backend comes before wasm when it is built
    expect(['native', 'wasm']).toContain(name);
    if (name === 'wasm') expect(backendChoice()?.reason).toMatch(/tfjs-node not installed.*: using wasm \(1 thread, SIMD\)/);
  }
  expect(tf.getBackend()).toBe(name);
  await expect(initBackend('tpu')).rejects.toThrow(/unknown backend 'tpu'/);
});

test('RESDET_BACKEND overrides auto (also a config\'s backend: auto), an explicit name overrides it', async () => {
  process.env.RESDET_BACKEND = 'cpu';
  try {
    expect(await initBackend()).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
    expect(await initBackend('auto')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  } finally {
    delete process.env.RESDET_BACKEND;
  }
});

test('freezing: no trainable parameters, batch norm uses running statistics even in training mode', async () => {
  await initBackend('wasm');
  const m = buildResNet('resnet20', { widthMultiplier: 0.25 });
  const x = tf.randomNormal([4, 8, 8, 3], 3, 2) as tf.Tensor4D;
  m.freeze().train();
  expect(m.trainableParameters()).toHaveLength(0);
  const before = m.bn1.runningMean.dataSync().slice();
  const a = m.forward(x);
  const b = m.classify(x);
  expect(Array.from(m.bn1.runningMean.dataSync())).toEqual(Array.from(before));
  // eval mode folds batch norm into the convolutions (engine/nn/conv_bn.ts): the same to float rounding
  const [av, bv] = [a.dataSync(), b.dataSync()];
  const scale = Math.max(...Array.from(bv, Math.abs));
  av.forEach((v, i) => expect(Math.abs(v - bv[i])).toBeLessThan(1e-5 * scale));
  tf.dispose([x, a, b]);
  m.dispose();
});
