import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../helpers/cli';
import { requires } from '../helpers/requirements';
import { trainClassifier } from '../../backbone/classifier/train';
import { CLASSIFIER_DEFAULTS, ClassifierConfig } from '../../backbone/classifier/config';
import { deepMerge } from '../../run/config';
import { JsonlLog } from '../../run/jsonl_log';
import { tempDir } from '../helpers/temp_dir';

const tmp = () => tempDir('cli');
const fm = requires('fashion-mnist').describe;

fm('resdet classify on Fashion-MNIST', () => {
  const run = tmp();
  let trainOut: ReturnType<typeof runCli>;

  beforeAll(() => {
    trainOut = runCli([
      'classify', 'train', '--arch', 'resnet20', '--dataset', 'fashion-mnist', '--epochs', '1', '--limit', '128',
      '--batch-size', '32', '--set', 'data.testLimit=100', '--set', 'model.widthMultiplier=0.25', '--out', run, '--quiet',
    ]);
  });

  test('train writes checkpoints, a log and metrics', () => {
    expect(trainOut.stderr).not.toMatch(/internal error/);
    expect(trainOut.code).toBe(0);
    expect(trainOut.stdout).toMatch(/trained resnet20 for 4 steps/);
    const metrics = JSON.parse(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8'));
    expect(metrics.images).toBe(100);
    expect(metrics.top1).toBeGreaterThanOrEqual(0);
    expect(metrics.top5).toBeGreaterThanOrEqual(metrics.top1);
    const log = JsonlLog.read(path.join(run, 'log.jsonl'));
    expect(log.filter((r) => r.type === 'train').map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(fs.existsSync(path.join(run, 'step-0000004.safetensors'))).toBe(true);
    expect(fs.existsSync(path.join(run, 'config.yaml'))).toBe(true);
  });

  test('eval of the run folder reproduces the accuracy the training run measured', () => {
    const json = path.join(run, 'eval.json');
    const r = runCli(['classify', 'eval', '--weights', run, '--dataset', 'fashion-mnist', '--split', 'test', '--limit', '100', '--json', json, '--quiet']);
    expect(r.code).toBe(0);
    const got = JSON.parse(fs.readFileSync(json, 'utf8'));
    const metrics = JSON.parse(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8'));
    expect(Object.keys(got).sort()).toEqual(['images', 'loss', 'top1', 'top5']);
    expect(got.loss).toBe(metrics.loss);
    expect(got.loss).toBeGreaterThan(0);
    expect(got.images).toBe(100);
    expect(got.top1).toBe(metrics.top1);
    expect(got.top5).toBe(metrics.top5);
  });

  test('a checkpoint of another architecture is refused with exit code 2', () => {
    const r = runCli(['classify', 'predict', '--arch', 'resnet32', '--weights', run, 'nothing.jpg']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/checkpoint of architecture resnet20, but --arch resnet32/);
  });

  test('a truncated checkpoint gives one message naming the file and exit code 2', () => {
    const bad = tmp();
    for (const f of ['step-0000004.json', 'last_checkpoint']) fs.copyFileSync(path.join(run, f), path.join(bad, f));
    const full = fs.readFileSync(path.join(run, 'step-0000004.safetensors'));
    fs.writeFileSync(path.join(bad, 'step-0000004.safetensors'), full.subarray(0, full.length >> 1));
    const r = runCli(['classify', 'eval', '--weights', bad, '--limit', '10']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path.join(bad, 'step-0000004.safetensors'));
    expect(r.stderr).toMatch(/truncated/);
  });
});

describe('bad input exits with code 2 and names the problem', () => {
  test.each([
    [['classify', 'train', '--batch-size', '0'], /--batch-size must be a positive integer, got '0'/],
    [['classify', 'train', '--lr', 'fast'], /--lr must be a number, got 'fast'/],
    [['demo', '--train-images', 'x'], /--train-images must be a positive integer/],
    [['classify', 'train', '--no-such-flag'], /unknown option '--no-such-flag'/],
  ])('usage error %j: one message, no stack trace', (args, message) => {
    const r = runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('unknown --arch', () => {
    const r = runCli(['classify', 'train', '--arch', 'resnet19']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown architecture 'resnet19'/);
  });
  test('a config key that does not exist (file and --set)', () => {
    const dir = tmp();
    const cfg = path.join(dir, 'c.yaml');
    fs.writeFileSync(cfg, 'solver:\n  learningrate: 0.1\n');
    const r = runCli(['classify', 'train', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}: config key 'solver.learningrate' does not exist`);
    const s = runCli(['classify', 'train', '--set', 'model.depth=3']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/config key 'model.depth' does not exist/);
  });
  test('a dataset path with no data', () => {
    const dir = tmp();
    const r = runCli(['classify', 'train', '--dataset', 'fashion-mnist', '--data', dir, '--out', path.join(dir, 'run')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(dir);
  });
  test('a missing weights file', () => {
    const r = runCli(['classify', 'predict', '--arch', 'resnet18', '--weights', '/nonexistent/w.pth', 'x.jpg']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/w.pth');
  });
});

fm('resume', () => {
  test('an interrupted run resumed from its checkpoint logs the same losses as an uninterrupted one', async () => {
    const cfg: ClassifierConfig = deepMerge(CLASSIFIER_DEFAULTS, {
      backend: 'wasm',
      model: { widthMultiplier: 0.25 },
      data: { limit: 96 },
      solver: { epochs: 2, batchSize: 16 },
    });
    const a = tmp();
    const b = tmp();
    await trainClassifier(cfg, { out: a, quiet: true, skipEval: true });
    await trainClassifier(cfg, { out: b, quiet: true, skipEval: true, maxSteps: 5 });
    await trainClassifier(cfg, { out: b, quiet: true, skipEval: true, resume: true });
    const losses = (dir: string) => JsonlLog.read(path.join(dir, 'log.jsonl')).filter((r) => r.type === 'train').map((r) => [r.step, r.loss, r.lr]);
    const la = losses(a);
    expect(la).toHaveLength(12);
    expect(losses(b)).toEqual(la);
  });
});
