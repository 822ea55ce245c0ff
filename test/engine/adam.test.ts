/**
 * engine/optim/adam.ts against torch.optim.Adam and torch.optim.AdamW (test/python/adam_reference.py): the same
 * parameters, gradients and learning rates, compared after every step; its state round-trips (a run resumed from
 * it continues exactly); the config keys that choose it.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { Adam } from '../../engine/optim/adam';
import { SGD } from '../../engine/optim/sgd';
import { createOptimizer } from '../../engine/optim/optimizer';
import { Rng } from '../../engine/rng';
import { loadConfig } from '../../run/config';
import { CLASSIFIER_DEFAULTS, CLASSIFIER_SCHEMA, ClassifierConfig } from '../../backbone/classifier/config';
import { DETECTOR_DEFAULTS, DETECTOR_SCHEMA, DetectorConfig } from '../../detection/config';
import { PYTHON, requires } from '../helpers/requirements';

const testTorch = requires('torch').test;
const SCRIPT = path.join(__dirname, '..', 'python', 'adam_reference.py');

beforeAll(async () => {
  await initBackend('cpu');
});

const SIZE = 40;
const STEPS = 6;
const LRS = [0.0005, 0.001, 0.002, 0.002, 0.0002, 0.0002]; // a warm-up and a step down, as a schedule gives
const rng = new Rng(5);
const P0 = Array.from({ length: SIZE }, () => Math.fround(rng.next() * 2 - 1));
// gradients of very different sizes, so that ε and the bias corrections matter
const GRADS = Array.from({ length: STEPS }, (_, s) => P0.map((_, i) => Math.fround((rng.next() - 0.5) * 10 ** ((i % 5) - 3) * (s + 1))));

const startParameter = (): tf.Variable => tf.tidy(() => tf.variable(tf.tensor1d(P0)));

/** resdet's parameters after each step */
function resdetSteps(opt: Adam, from = 0, p = startParameter()): number[][] {
  const out: number[][] = [];
  for (let s = from; s < STEPS; s++) {
    const g = tf.tensor1d(GRADS[s]);
    opt.step([['w', p]], { w: g }, LRS[s]);
    g.dispose();
    out.push(Array.from(p.dataSync()));
  }
  p.dispose();
  return out;
}

function torchSteps(optimizer: 'adam' | 'adamw', weightDecay: number, betas: number[], eps: number): number[][] {
  const input = JSON.stringify({ p: P0, grads: GRADS, lrs: LRS, betas, eps, weight_decay: weightDecay, optimizer });
  const r = spawnSync(PYTHON, [SCRIPT], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  got.forEach((row, s) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[s][i]) / (1e-3 + Math.abs(want[s][i]))))));
  expect(worst).toBeLessThan(2e-6);
}

describe('Adam and AdamW follow torch.optim step by step', () => {
  const cases: Array<['adam' | 'adamw', number, number[], number]> = [
    ['adam', 0, [0.9, 0.999], 1e-8],
    ['adam', 0.01, [0.9, 0.999], 1e-8],
    ['adamw', 0.05, [0.9, 0.999], 1e-8],
    ['adamw', 0.01, [0.8, 0.99], 1e-4],
  ];
  for (const [kind, wd, betas, eps] of cases) {
    testTorch(`${kind}, weight decay ${wd}, betas ${betas}, eps ${eps}`, () => {
      const opt = new Adam({ beta1: betas[0], beta2: betas[1], eps, weightDecay: wd, decoupled: kind === 'adamw' });
      const got = resdetSteps(opt);
      opt.dispose();
      const want = torchSteps(kind, wd, betas, eps);
      expectClose(got, want);
      // the parameters moved by more than the tolerance: the comparison can fail
      expect(Math.abs(want[STEPS - 1][0] - P0[0])).toBeGreaterThan(1e-3);
    });
  }
});

test('a state saved after 3 steps and loaded into a new Adam continues exactly; no tensor is left behind', () => {
  const whole = new Adam({ weightDecay: 0.01, decoupled: true });
  const uninterrupted = resdetSteps(whole);
  whole.dispose();
  const before = tf.memory().numTensors;
  const first = new Adam({ weightDecay: 0.01, decoupled: true });
  const p = startParameter();
  for (let s = 0; s < 3; s++) {
    const g = tf.tensor1d(GRADS[s]);
    first.step([['w', p]], { w: g }, LRS[s]);
    g.dispose();
  }
  const saved = new Map([...first.state()].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
  expect([...saved.keys()].sort()).toEqual(['adam.step', 'w.exp_avg', 'w.exp_avg_sq']);
  expect(Array.from(saved.get('adam.step')!.data)).toEqual([3]);
  first.dispose();
  const second = new Adam({ weightDecay: 0.01, decoupled: true });
  second.loadState(saved);
  const resumed = resdetSteps(second, 3, p);
  second.dispose();
  expect(resumed).toEqual(uninterrupted.slice(3));
  expect(tf.memory().numTensors).toBe(before);
});

test('solver.optimizer chooses the optimizer in both configs; unknown names and bad betas are refused', () => {
  const cls = loadConfig<ClassifierConfig>({ defaults: CLASSIFIER_DEFAULTS, schema: CLASSIFIER_SCHEMA, sets: ['solver.optimizer=adamw', 'solver.betas=[0.8, 0.99]'] });
  const a = createOptimizer(cls.solver) as Adam;
  expect(a).toBeInstanceOf(Adam);
  expect([a.decoupled, a.beta1, a.beta2, a.eps, a.weightDecay]).toEqual([true, 0.8, 0.99, 1e-8, 1e-4]);
  a.dispose();
  const det = loadConfig<DetectorConfig>({ defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA, sets: ['solver.optimizer=adam'] });
  const d = createOptimizer(det.solver) as Adam;
  expect([d instanceof Adam, d.decoupled]).toEqual([true, false]);
  d.dispose();
  expect(createOptimizer(CLASSIFIER_DEFAULTS.solver)).toBeInstanceOf(SGD);
  expect(() => loadConfig({ defaults: CLASSIFIER_DEFAULTS, schema: CLASSIFIER_SCHEMA, sets: ['solver.optimizer=rmsprop'] })).toThrow(/solver\.optimizer|optimizer/);
  expect(() => loadConfig({ defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA, sets: ['solver.betas=[0.9, 1.5]'] })).toThrow(/betas/);
});
