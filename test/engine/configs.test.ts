import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../run/config';
import { CLASSIFIER_DEFAULTS, CLASSIFIER_SCHEMA, ClassifierConfig } from '../../backbone/classifier/config';
import { archSpec } from '../../backbone/archs';

const dir = path.join(__dirname, '..', '..', 'configs', 'classify');

test.each(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')))('configs/classify/%s is valid', (f) => {
  const cfg = loadConfig<ClassifierConfig>({ file: path.join(dir, f), defaults: CLASSIFIER_DEFAULTS, schema: CLASSIFIER_SCHEMA });
  expect(archSpec(cfg.model.arch).name).toBe(cfg.model.arch);
  expect(cfg.solver.milestones.every((m) => m > 0 && m < 1)).toBe(true);
});

test('the CIFAR ResNet-56 config is the paper recipe (64k iterations of batch 128 on 50k images)', () => {
  const cfg = loadConfig<ClassifierConfig>({ file: path.join(dir, 'cifar10_resnet56.yaml'), defaults: CLASSIFIER_DEFAULTS, schema: CLASSIFIER_SCHEMA });
  const iters = Math.ceil(cfg.solver.epochs * Math.ceil(50000 / cfg.solver.batchSize));
  expect(Math.abs(iters - 64000) / 64000).toBeLessThan(0.01);
  expect(cfg.solver.milestones.map((m) => Math.round(m * 64000))).toEqual([32000, 48000]);
  expect([cfg.solver.lr, cfg.solver.momentum, cfg.solver.weightDecay]).toEqual([0.1, 0.9, 0.0001]);
});
