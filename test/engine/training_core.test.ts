import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { SGD } from '../../engine/optim/sgd';
import { learningRate } from '../../engine/optim/lr_schedule';
import { explainWasmAbort, trainStep } from '../../engine/train_step';
import { loadConfig, ConfigError } from '../../run/config';
import { saveCheckpoint, resolveCheckpoint, readTorchLayoutTensors, readCheckpointMeta } from '../../run/checkpoint';
import { buildResNet } from '../../backbone/resnet';
import { readSafetensors } from '../../engine/safetensors';
import { tempDir } from '../helpers/temp_dir';

const tmp = () => tempDir('training-core');

// wasm: the default backend offline (the cpu backend's weight-gradient kernel is a slow reference loop)
beforeAll(async () => {
  await initBackend('wasm');
});

test('SGD follows torch.optim.SGD (momentum, weight decay) step by step', () => {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const opt = new SGD({ momentum: 0.9, weightDecay: 0.1 });
  const grads = [[0.5, 0.5], [-1, 2]];
  // by hand: g1 = grad + 0.1 p; buf = g1; p -= 0.1 buf; then buf = 0.9 buf + g2
  let pv = [1, -2];
  let buf: number[] | null = null;
  for (const g of grads) {
    const gg = g.map((v, i) => v + 0.1 * pv[i]);
    buf = buf ? buf.map((b, i) => 0.9 * b + gg[i]) : gg;
    pv = pv.map((v, i) => v - 0.1 * buf![i]);
    const gt = tf.tensor1d(g);
    opt.step([['p', p]], { p: gt }, 0.1);
    gt.dispose();
    const got = p.dataSync();
    expect(got[0]).toBeCloseTo(pv[0], 6);
    expect(got[1]).toBeCloseTo(pv[1], 6);
  }
  opt.dispose();
  p.dispose();
});

test('learning-rate schedules: multistep, warm-up, cosine', () => {
  const c = { baseLr: 0.1, policy: 'multistep' as const, milestones: [10, 20], gamma: 0.1, warmupIters: 5, warmupFactor: 0.1 };
  expect(learningRate(c, 0)).toBeCloseTo(0.01, 10);
  expect(learningRate(c, 5)).toBeCloseTo(0.1, 10);
  expect(learningRate(c, 10)).toBeCloseTo(0.01, 10);
  expect(learningRate(c, 25)).toBeCloseTo(0.001, 10);
  expect(learningRate({ ...c, warmupMethod: 'constant' }, 3)).toBeCloseTo(0.01, 10);
  expect(learningRate({ baseLr: 1, policy: 'cosine', maxIters: 100 }, 50)).toBeCloseTo(0.5, 10);
});

test('a training loop keeps the tensor count flat over 50 steps', () => {
  const model = buildResNet('resnet20', { widthMultiplier: 0.25, inputChannels: 1 });
  const opt = new SGD({ momentum: 0.9, weightDecay: 1e-4 });
  const params = model.trainableParameters();
  const x = tf.randomNormal([4, 12, 12, 1]) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
  let after5 = 0;
  const losses: number[] = [];
  for (let i = 0; i < 50; i++) {
    const r = trainStep(params, () => ({ total: tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar }), opt, 0.05);
    losses.push(r.loss);
    if (i === 4) after5 = tf.memory().numTensors;
  }
  expect(tf.memory().numTensors).toBe(after5);
  expect(losses[49]).toBeLessThan(losses[0] * 0.5); // it learns the four examples
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
});

test('config: YAML + --set, unknown keys name the key and the file', () => {
  const dir = tmp();
  const schema = { type: 'object', additionalProperties: false, properties: { a: { type: 'number' }, b: { type: 'object', additionalProperties: false, properties: { c: { type: 'string' } } } } };
  const defaults = { a: 1, b: { c: 'x' } };
  const f = path.join(dir, 'c.yaml');
  fs.writeFileSync(f, 'a: 2\nb:\n  c: y\n');
  expect(loadConfig({ file: f, defaults, schema, sets: ['b.c=z'] })).toEqual({ a: 2, b: { c: 'z' } });
  fs.writeFileSync(f, 'a: 2\nb:\n  d: y\n');
  expect(() => loadConfig({ file: f, defaults, schema })).toThrow(`${f}: config key 'b.d' does not exist`);
  expect(() => loadConfig({ defaults, schema, sets: ['q=1'] })).toThrow(/config key 'q' does not exist/);
  expect(() => loadConfig({ defaults, schema, sets: ['a=hello'] })).toThrow(ConfigError);
  fs.writeFileSync(f, 'a: [1,\n');
  expect(() => loadConfig({ file: f, defaults, schema })).toThrow(/invalid YAML/);
});

test('checkpoints round-trip in PyTorch layout and resolve from a run folder', async () => {
  const dir = tmp();
  const m = buildResNet('resnet20', { widthMultiplier: 0.5 });
  const opt = new SGD({ momentum: 0.9 });
  const params = m.trainableParameters();
  const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
  const y = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 10);
  trainStep(params, () => ({ total: tf.losses.softmaxCrossEntropy(y, m.forward(x)) as tf.Scalar }), opt, 0.1);
  await saveCheckpoint(dir, 'step-0000001', m, { kind: 'classifier', step: 1 }, opt.state());
  const r = resolveCheckpoint(dir);
  expect(r.model).toBe(path.join(dir, 'step-0000001.safetensors'));
  expect((await readCheckpointMeta(r.meta!)).step).toBe(1);
  // a demo folder (resdet demo) resolves to the run in its train/
  const demo = tmp();
  fs.cpSync(dir, path.join(demo, 'train'), { recursive: true });
  fs.writeFileSync(path.join(demo, 'train', 'last_checkpoint'), 'step-0000001\n');
  expect(resolveCheckpoint(demo).model).toBe(path.join(demo, 'train', 'step-0000001.safetensors'));
  const raw = await readSafetensors(r.model);
  expect(raw.get('conv1.weight')!.shape).toEqual([8, 3, 3, 3]); // OIHW on disk
  expect(raw.get('fc.weight')!.shape).toEqual([10, 32]);
  const m2 = buildResNet('resnet20', { widthMultiplier: 0.5 });
  m2.loadStateDict(await readTorchLayoutTensors(r.model));
  m.eval();
  m2.eval();
  const [a, b] = [m.forward(x), m2.forward(x)];
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  const other = buildResNet('resnet32', { widthMultiplier: 0.5 });
  await expect(readTorchLayoutTensors(r.model).then((t) => other.loadStateDict(t, { source: r.model }))).rejects.toThrow(
    /step-0000001.safetensors: weights do not fit the model:\n {2}missing keys/,
  );
  expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  tf.dispose([x, y, a, b]);
  for (const mm of [m, m2, other]) mm.dispose();
  opt.dispose();
});

test('a wasm abort inside a training step becomes an out-of-memory message with what to do', () => {
  const v = tf.variable(tf.scalar(1));
  const abort = () => {
    throw new Error('Aborted(). Build with -sASSERTIONS for more info.');
  };
  let message = '';
  try {
    trainStep([['v', v]], abort as never, new SGD(), 0.1);
  } catch (e) {
    message = (e as Error).message;
  }
  expect(tf.getBackend()).toBe('wasm');
  expect(message).toMatch(/wasm backend ran out of memory/);
  expect(message).toMatch(/native backend/);
  expect((explainWasmAbort(new WebAssembly.RuntimeError('memory access out of bounds')) as Error).message).toMatch(/ran out of memory/);
  const other = new Error('shape mismatch');
  expect(explainWasmAbort(other)).toBe(other);
  v.dispose();
});
