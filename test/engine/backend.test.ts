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
    if (name === 'wasm') expect(backendChoice()?.reason).toMatch(/tfjs-node not installed.*: using wasm \((1 thread|[2-8] threads), SIMD\)/);
  }
  expect(tf.getBackend()).toBe(name);
  await expect(initBackend('tpu')).rejects.toThrow(/unknown backend 'tpu'/);
});

test('auto order: a GPU tfjs-node, then native, then tfjs-node (CPU), then wasm; each skipped one says why', () => {
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const path = require('path') as typeof import('path');
  const dist = path.join(__dirname, '..', '..', 'dist', 'engine', 'backend');
  const script = `const b = require(${JSON.stringify(dist)}); b.initBackend('auto').then(() => console.log(JSON.stringify(b.backendChoice())))`;
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, RESDET_BACKEND: '', ...env } });
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; reason: string };
  };
  const tfjsNode = (() => {
    try {
      require.resolve('@tensorflow/tfjs-node');
      return true;
    } catch {
      return false;
    }
  })();
  // with the addon present (CI builds it), native comes before tfjs-node: the reason names only the GPU package
  const withNative = run({});
  if (withNative.name === 'native') expect(withNative.reason).toMatch(/^@tensorflow\/tfjs-node-gpu (not installed|found no GPU|failed to load[^;]*): using native \(oneDNN/);
  // without it: tfjs-node when installed, else wasm with every reason on the way
  const without = run({ RESDET_NATIVE_ADDON: '/nonexistent/resdet_native.node' });
  if (tfjsNode) expect(without.name).toBe('tensorflow');
  else expect(without.reason).toMatch(/^@tensorflow\/tfjs-node-gpu not installed; native backend not built: .*; @tensorflow\/tfjs-node not installed: using wasm \((1 thread|[2-8] threads), SIMD\)$/);
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
