import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { buildResNet } from '../../backbone/resnet';
import { ARCH_NAMES, archSpec } from '../../backbone/archs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { ROOT } from '../helpers/cli';

beforeAll(async () => {
  await initBackend('cpu');
});

/**
 * Parameter counts of the big nets, counted in a plain node process from the built package: initialising
 * 60M weights inside jest's module sandbox is tens of times slower than in node (and adds nothing here).
 */
function countsInNode(specs: Array<[string, Record<string, unknown>]>): number[] {
  const resnet = JSON.stringify(path.join(ROOT, 'dist', 'backbone', 'resnet'));
  const backend = JSON.stringify(path.join(ROOT, 'dist', 'engine', 'backend'));
  const script = `(async () => { await require(${backend}).initBackend('wasm'); const { buildResNet } = require(${resnet});
    const out = []; for (const [a, k] of ${JSON.stringify(specs)}) { const m = buildResNet(a, k); out.push(m.numParameters()); m.dispose(); }
    process.stdout.write(JSON.stringify(out)); })();`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

describe('parameter counts match torchvision and the paper', () => {
  const cases: Array<[string, number, number]> = [
    ['resnet18', 1000, 11_689_512],
    ['resnet34', 1000, 21_797_672],
    ['resnet50', 1000, 25_557_032],
    ['resnet101', 1000, 44_549_160],
    ['resnet152', 1000, 60_192_808],
    ['resnet20', 10, 269_722],
    ['resnet56', 10, 853_018],
  ];
  test('torchvision resnet18…152 and CIFAR resnet20/56 exactly', () => {
    const got = countsInNode(cases.map(([a, k]) => [a, { numClasses: k }]));
    expect(got).toEqual(cases.map(([, , n]) => n));
  });

  test('paper CIFAR sizes 0.46M…19.4M', () => {
    const approx: Array<[string, number]> = [['resnet32', 0.46e6], ['resnet44', 0.66e6], ['resnet110', 1.7e6], ['resnet1202', 19.4e6]];
    const got = countsInNode(approx.map(([a]) => [a, { numClasses: 10 }]));
    approx.forEach(([, n], i) => expect(Math.abs(got[i] - n) / n).toBeLessThan(0.02));
  });
});

test('shortcut options change parameter counts as expected', () => {
  const [a, b, c, plain] = countsInNode([
    ['resnet34', { shortcut: 'A' }],
    ['resnet34', { shortcut: 'B' }],
    ['resnet34', { shortcut: 'C' }],
    ['plain34', {}],
  ]);
  // B adds three projections (64→128, 128→256, 256→512) with their BN
  const proj = (i: number, o: number) => i * o + 2 * o;
  expect(b - a).toBe(proj(64, 128) + proj(128, 256) + proj(256, 512));
  expect(c).toBeGreaterThan(b);
  expect(plain).toBe(a);
});

test('stage outputs have the expected strides and channels', () => {
  const m = buildResNet('resnet50', { widthMultiplier: 0.125, numClasses: 5 });
  const x = tf.randomNormal([1, 64, 96, 3]) as tf.Tensor4D;
  const stages = m.forwardStages(x);
  expect(Object.keys(stages)).toEqual(['c2', 'c3', 'c4', 'c5']);
  expect(stages.c2.shape).toEqual([1, 16, 24, 32]);
  expect(stages.c5.shape).toEqual([1, 2, 3, 256]);
  expect(m.stageStrides).toEqual([4, 8, 16, 32]);
  const logits = m.classify(x);
  expect(logits.shape).toEqual([1, 5]);
  tf.dispose([x, logits, ...Object.values(stages)]);
  m.dispose();
});

test('strideIn1x1 moves the stride without changing the count', () => {
  const a = buildResNet('resnet50', { widthMultiplier: 0.25 });
  const b = buildResNet('resnet50', { widthMultiplier: 0.25, strideIn1x1: true });
  expect(a.numParameters()).toBe(b.numParameters());
  const x = tf.randomNormal([1, 64, 64, 3]) as tf.Tensor4D;
  const [ya, yb] = [a.classify(x), b.classify(x)];
  expect(ya.shape).toEqual(yb.shape);
  tf.dispose([x, ya, yb]);
  a.dispose();
  b.dispose();
});

test('option A shortcut is the subsampled, zero-padded identity', () => {
  const m = buildResNet('resnet20', { inputChannels: 1 });
  const block = m.stages[1].blocks[0] as unknown as { downsample: { forward(x: tf.Tensor4D): tf.Tensor4D } };
  const x = tf.randomNormal([2, 7, 7, 16]) as tf.Tensor4D;
  const y = block.downsample.forward(x);
  expect(y.shape).toEqual([2, 4, 4, 32]);
  const xs = x.arraySync();
  const ys = y.arraySync();
  expect(ys[1][3][2][8 + 5]).toBeCloseTo(xs[1][6][4][5], 6);
  expect(ys[1][3][2][3]).toBe(0);
  expect(ys[0][0][0][31]).toBe(0);
  tf.dispose([x, y]);
  m.dispose();
});

test('every listed architecture resolves; unknown names are refused with the list', () => {
  for (const a of ARCH_NAMES) expect(archSpec(a).name).toBe(a);
  expect(() => buildResNet('resnet19')).toThrow(/unknown architecture 'resnet19'.*resnet20/);
});
