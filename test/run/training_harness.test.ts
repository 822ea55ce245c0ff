/**
 * run/training_harness.ts with a small task (a linear model with a batch-norm-like mode check): train mode after
 * every evaluation, exact resume, checkpoints, a failing final evaluation, and the validation loss records.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { Module } from '../../engine/nn/module';
import { Linear } from '../../engine/nn/linear';
import { SGD } from '../../engine/optim/sgd';
import { Adam } from '../../engine/optim/adam';
import { Optimizer } from '../../engine/optim/optimizer';
import { Rng } from '../../engine/rng';
import { runTraining, TrainingTask, FinalEvalError } from '../../run/training_harness';
import { JsonlLog } from '../../run/jsonl_log';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-harness-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => tf.setBackend('cpu'));

class Tiny extends Module {
  readonly fc = this.addModule('fc', new Linear(3, 1, { initStd: 0.1, rand: () => 0.3 }));
}

interface Batch {
  x: number[];
  y: number[];
}

/** y = x·(1, -2, 0.5) on 4 random points a step, from the stream ('batch', step); evaluations every 2 steps set eval mode. */
function tinyTask(evalFails = false, optimizer: Optimizer = new SGD({ momentum: 0.9, weightDecay: 1e-4 })): { task: TrainingTask<Batch>; modes: boolean[]; model: Tiny; optimizer: Optimizer } {
  const model = new Tiny();
  const modes: boolean[] = [];
  const batchAt = (s: number): Batch => {
    const r = Rng.stream(1, 'batch', s);
    const x = Array.from({ length: 12 }, () => r.next() * 2 - 1);
    const y = [0, 1, 2, 3].map((i) => x[3 * i] - 2 * x[3 * i + 1] + 0.5 * x[3 * i + 2]);
    return { x, y };
  };
  const task: TrainingTask<Batch> = {
    model,
    optimizer,
    totalSteps: 8,
    config: { tiny: true },
    checkpointMeta: { kind: 'tiny' },
    checkResume: (meta) => (meta.kind === 'tiny' ? null : 'not tiny'),
    initFresh: async () => undefined,
    startRecord: {},
    learningRate: () => 0.1,
    batches: async function* (from, end) {
      for (let s = from; s < end; s++) yield batchAt(s);
    },
    loss: (b) => () => {
      modes.push(model.fc.training);
      const pred = model.fc.forward(tf.tensor2d(b.x, [4, 3]));
      return { total: tf.losses.meanSquaredError(tf.tensor2d(b.y, [4, 1]), pred) as tf.Scalar };
    },
    stepRecord: (b) => ({ images: b.y.length, fields: {} }),
    isCheckpointStep: (step) => step % 4 === 0,
    evalEvery: 2,
    evaluate: async (step, final) => {
      model.eval();
      if (final && evalFails) throw new Error('test split unreadable');
      return { step };
    },
    evalCommand: (ck) => `resdet tiny eval ${ck}`,
  };
  return { task, modes, model, optimizer };
}

const losses = (out: string) => JsonlLog.read(path.join(out, 'log.jsonl')).filter((r) => r.type === 'train').map((r) => [r.step, r.loss]);

test('every step trains in train mode, evaluations in between or not', async () => {
  const { task, modes, model, optimizer } = tinyTask();
  const r = await runTraining(task, { out: path.join(tmp, 'modes'), quiet: true });
  expect(r.steps).toBe(8);
  expect(modes).toEqual(new Array(8).fill(true));
  const evals = JsonlLog.read(path.join(tmp, 'modes', 'log.jsonl')).filter((x) => x.type === 'eval');
  expect(evals.map((x) => [x.step, x.curve ?? false])).toEqual([[2, true], [4, true], [6, true], [8, false]]);
  expect(fs.readdirSync(path.join(tmp, 'modes')).filter((f) => f.endsWith('.json')).sort()).toEqual(['step-0000004.json', 'step-0000008.json']);
  optimizer.dispose();
  model.dispose();
});

test('stopped after 3 steps and resumed, a run logs the losses of an uninterrupted one', async () => {
  const whole = tinyTask();
  await runTraining(whole.task, { out: path.join(tmp, 'whole'), quiet: true });
  const a = tinyTask();
  const first = await runTraining(a.task, { out: path.join(tmp, 'parts'), quiet: true, maxSteps: 3 });
  expect(first.checkpoint).toBe(path.join(tmp, 'parts', 'step-0000003.safetensors'));
  const b = tinyTask();
  await runTraining(b.task, { out: path.join(tmp, 'parts'), quiet: true, resume: true });
  expect(losses(path.join(tmp, 'parts'))).toEqual(losses(path.join(tmp, 'whole')));
  for (const t of [whole, a, b]) {
    t.optimizer.dispose();
    t.model.dispose();
  }
});

test('with AdamW too: stopped after 3 steps and resumed, the losses of an uninterrupted run', async () => {
  const adamw = () => new Adam({ weightDecay: 0.01, decoupled: true });
  const whole = tinyTask(false, adamw());
  await runTraining(whole.task, { out: path.join(tmp, 'adam-whole'), quiet: true });
  const a = tinyTask(false, adamw());
  await runTraining(a.task, { out: path.join(tmp, 'adam-parts'), quiet: true, maxSteps: 3 });
  const b = tinyTask(false, adamw());
  await runTraining(b.task, { out: path.join(tmp, 'adam-parts'), quiet: true, resume: true });
  expect(losses(path.join(tmp, 'adam-parts'))).toEqual(losses(path.join(tmp, 'adam-whole')));
  for (const t of [whole, a, b]) {
    t.optimizer.dispose();
    t.model.dispose();
  }
});

test('a run resumes with the optimizer it trained with: another one is refused, naming both', async () => {
  const out = path.join(tmp, 'sgd-then-adam');
  const a = tinyTask();
  await runTraining(a.task, { out, quiet: true, maxSteps: 3 });
  const b = tinyTask(false, new Adam());
  await expect(runTraining(b.task, { out, quiet: true, resume: true })).rejects.toThrow(
    `${path.join(out, 'step-0000003.safetensors')}: trained with solver.optimizer=sgd, this run asks for adam: resume with sgd, or start over with --force`,
  );
  for (const t of [a, b]) {
    t.optimizer.dispose();
    t.model.dispose();
  }
});

test('a failing final evaluation keeps the checkpoint and names the command that evaluates it', async () => {
  const { task, model, optimizer } = tinyTask(true);
  const out = path.join(tmp, 'fails');
  const run = runTraining(task, { out, quiet: true });
  await expect(run).rejects.toThrow(FinalEvalError);
  await expect(run).rejects.toThrow(`the final evaluation failed: test split unreadable; training finished and its checkpoint ${path.join(out, 'step-0000008.safetensors')} is kept; evaluate it with: resdet tiny eval ${path.join(out, 'step-0000008.safetensors')}`);
  expect(fs.existsSync(path.join(out, 'step-0000008.optim.safetensors'))).toBe(true);
  optimizer.dispose();
  model.dispose();
});

test('validationLoss: a val record at each evaluation period and after the last step, before the eval record; null writes none; train mode after', async () => {
  const { task, modes, model, optimizer } = tinyTask();
  const asked: number[] = [];
  task.validationLoss = async (step) => {
    asked.push(step);
    model.eval();
    return step === 4 ? null : { loss: step / 10, images: 3 };
  };
  const out = path.join(tmp, 'val');
  await runTraining(task, { out, quiet: true });
  expect(asked).toEqual([2, 4, 6, 8]);
  expect(modes).toEqual(new Array(8).fill(true));
  const log = JsonlLog.read(path.join(out, 'log.jsonl')).filter((r) => r.type === 'val' || r.type === 'eval');
  expect(log.map((r) => [r.type, r.step])).toEqual([['val', 2], ['eval', 2], ['eval', 4], ['val', 6], ['eval', 6], ['val', 8], ['eval', 8]]);
  expect(log[0]).toEqual({ type: 'val', step: 2, loss: 0.2, images: 3, time: expect.any(String) });
  optimizer.dispose();
  model.dispose();
});

test('resumed from an earlier checkpoint, the validation-loss records after it are written once, not twice', async () => {
  const withVal = () => {
    const t = tinyTask();
    t.task.validationLoss = async (step) => ({ loss: step / 10, images: 3 });
    return t;
  };
  const out = path.join(tmp, 'val-resume');
  const a = withVal();
  await runTraining(a.task, { out, quiet: true });
  // as if the run had stopped after step 6's records with only step 4's checkpoint on disk
  fs.writeFileSync(path.join(out, 'last_checkpoint'), 'step-0000004\n');
  for (const f of fs.readdirSync(out).filter((n) => n.startsWith('step-0000008'))) fs.rmSync(path.join(out, f));
  const b = withVal();
  await runTraining(b.task, { out, quiet: true, resume: true });
  const vals = JsonlLog.read(path.join(out, 'log.jsonl')).filter((r) => r.type === 'val').map((r) => r.step);
  expect(vals).toEqual([2, 4, 6, 8]);
  for (const t of [a, b]) {
    t.optimizer.dispose();
    t.model.dispose();
  }
});
