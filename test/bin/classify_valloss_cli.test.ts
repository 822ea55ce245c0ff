/**
 * Classification training's validation loss: `resdet classify train` with eval.everySteps 2 logs a `val` record
 * (mean test cross-entropy and error on the first eval.curveLimit test images) at steps 2 and 4, from the same
 * pass as the step's evaluation (error = 1 − its top-1), and the training losses are exactly those of a run
 * without periodic evaluation, as is the final evaluation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../helpers/cli';
import { requires } from '../helpers/requirements';
import { JsonlLog } from '../../run/jsonl_log';
import { tempDir } from '../helpers/temp_dir';

const train = (extra: string[]) => {
  const out = path.join(tempDir('valloss-cls'), 'run');
  const r = runCli([
    'classify', 'train', '--arch', 'resnet20', '--dataset', 'fashion-mnist', '--epochs', '1', '--limit', '128', '--batch-size', '32',
    '--set', 'data.testLimit=100', '--set', 'model.widthMultiplier=0.25', ...extra, '--out', out, '--quiet',
  ]);
  return { out, ...r };
};

requires('fashion-mnist').test('val records at steps 2 and 4; training losses unchanged by them', () => {
  const withVal = train(['--set', 'eval.everySteps=2', '--set', 'eval.curveLimit=50']);
  expect(withVal.stderr).not.toMatch(/error/i);
  expect(withVal.code).toBe(0);
  const log = JsonlLog.read(path.join(withVal.out, 'log.jsonl'));
  const val = log.filter((r) => r.type === 'val');
  expect(val.map((r) => r.step)).toEqual([2, 4]);
  const curve = log.filter((r) => r.type === 'eval' && r.curve);
  expect(curve.map((r) => r.step)).toEqual([2]);
  expect(val[0].error).toBeCloseTo(1 - (curve[0].top1 as number), 12);
  expect(val[0].loss).toBe(curve[0].loss);
  for (const r of val) {
    expect(r.images).toBe(50);
    expect(Number.isFinite(r.loss) && (r.loss as number) > 0).toBe(true);
    expect(r.error as number).toBeGreaterThanOrEqual(0);
    expect(r.error as number).toBeLessThanOrEqual(1);
  }
  const plain = train([]);
  expect(plain.code).toBe(0);
  const losses = (l: ReturnType<typeof JsonlLog.read>) => l.filter((r) => r.type === 'train').map((r) => r.loss);
  const plainLog = JsonlLog.read(path.join(plain.out, 'log.jsonl'));
  expect(plainLog.filter((r) => r.type === 'val')).toEqual([]);
  expect(losses(log)).toHaveLength(4);
  expect(losses(log)).toEqual(losses(plainLog));
  // no state changed: the final checkpoint (weights, batch-norm statistics) is the same bytes, and so is the final evaluation
  const weights = (out: string) => fs.readFileSync(path.join(out, 'step-0000004.safetensors'));
  expect(weights(withVal.out).equals(weights(plain.out))).toBe(true);
  const final = (l: typeof log) => l.filter((r) => r.type === 'eval' && !r.curve).map(({ top1, top5, loss }) => ({ top1, top5, loss }));
  expect(final(log)).toHaveLength(1);
  expect(final(log)).toEqual(final(plainLog));
}, 240000);
