/**
 * `resdet classify train` from flags alone takes the recipe that suits the dataset: on Fashion-MNIST the short-run
 * recipe (batch 8, AdamW lr 0.002), not the CIFAR one (batch 64, SGD lr 0.1), which reached 35% top-1 in one epoch
 * of 2,000 images. Runs on the native backend (CI builds it), ~15 s.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { runCli } from '../helpers/cli';
import { requires } from '../helpers/requirements';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-classify-recipe-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// under CI / RESDET_REQUIRE_ALL the dataset and the addon must be there: the test fails without them
requires('fashion-mnist', 'native').test('one epoch of 2,000 Fashion-MNIST images from flags', () => {
  const out = path.join(tmp, 'run');
  const r = runCli(['classify', 'train', '--arch', 'resnet20', '--dataset', 'fashion-mnist', '--epochs', '1', '--limit', '2000', '--out', out, '--quiet'], { RESDET_BACKEND: 'native' });
  expect(r.code).toBe(0);
  const cfg = YAML.parse(fs.readFileSync(path.join(out, 'config.yaml'), 'utf8'));
  expect(cfg.solver).toMatchObject({ batchSize: 8, optimizer: 'adamw', lr: 0.002, weightDecay: 0.01, milestones: [0.75, 0.9] });
  expect(cfg.data.augment).toEqual({ padCrop: 0, flip: false });
  const top1 = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')).top1;
  expect(top1).toBeGreaterThan(0.68); // measured 0.718-0.739 over 5 seeds (SGD at lr 0.0125: 0.694-0.722); the CIFAR recipe gave 0.35
  // a flag still wins over the recipe
  const out2 = path.join(tmp, 'run2');
  expect(runCli(['classify', 'train', '--arch', 'resnet20', '--dataset', 'fashion-mnist', '--epochs', '0.1', '--limit', '200', '--batch-size', '32', '--out', out2, '--quiet'], { RESDET_BACKEND: 'native' }).code).toBe(0);
  expect(YAML.parse(fs.readFileSync(path.join(out2, 'config.yaml'), 'utf8')).solver.batchSize).toBe(32);
});
