/**
 * Every detector config in configs/ loads, and the paper-sized ones (C4 and FPN layouts) train one step and
 * evaluate on two images (images shrunk, RoI counts cut so that it runs in seconds; architecture, pooling and
 * losses as configured).
 * ImageNet weights cannot be downloaded here: a freshly initialised torchvision-layout file of the same
 * architecture stands in for them, so the import path is exercised too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../engine/backend';
import { loadConfig } from '../../run/config';
import { DETECTOR_DEFAULTS, DETECTOR_SCHEMA, DetectorConfig } from '../../detection/config';
import { JsonlLog } from '../../run/jsonl_log';
import { runCli, ROOT } from '../helpers/cli';
import { execFileSync } from 'child_process';
import { synthShapes } from '../../datasets/detection/synth';
import { tempDir } from '../helpers/temp_dir';

const CONFIGS = path.join(__dirname, '..', '..', 'configs');
const tmp = tempDir('cfg');
const detectorConfigs = fs.readdirSync(CONFIGS).filter((f) => f.endsWith('.yaml'));

beforeAll(async () => {
  await initBackend('wasm');
  await synthShapes({ out: path.join(tmp, 'voc'), images: 2, seed: 3, format: 'voc', split: 'train' });
  await synthShapes({ out: path.join(tmp, 'coco'), images: 2, seed: 3, format: 'coco', split: 'train' });
});

test.each(detectorConfigs)('configs/%s is a valid detector config', (f) => {
  const cfg = loadConfig<DetectorConfig>({ file: path.join(CONFIGS, f), defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA });
  expect(cfg.model.arch).toMatch(/^resnet(18|34|50|101|152)$/);
});

const paperConfigs = detectorConfigs.filter((f) => f.startsWith('faster_rcnn_'));

/** A freshly initialised torchvision-layout weights file for `arch`, made in a plain node process. */
function fakeImagenetWeights(arch: string): string {
  const file = path.join(tmp, `${arch}.safetensors`);
  if (fs.existsSync(file)) return file;
  const d = (p: string) => JSON.stringify(path.join(ROOT, 'dist', p));
  const script = `(async () => { await require(${d('engine/backend')}).initBackend('wasm');
    const net = require(${d('backbone/resnet')}).buildResNet('${arch}');
    await require(${d('run/checkpoint')}).saveCheckpoint(${JSON.stringify(tmp)}, '${arch}', net, { kind: 'classifier', step: 0 }); })();`;
  execFileSync(process.execPath, ['-e', script], { stdio: 'inherit' });
  return file;
}

test.each(paperConfigs)('%s: one training step and an evaluation on two images, from the CLI', (f) => {
  const base = loadConfig<DetectorConfig>({ file: path.join(CONFIGS, f), defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA });
  const weights = fakeImagenetWeights(base.model.arch);
  const format = base.data.train.format === 'voc' ? 'voc' : 'coco';
  const data = path.join(tmp, format);
  const out = path.join(tmp, f.replace('.yaml', ''));
  const sets = [
    `model.pretrained=${weights}`,
    ...['train', 'test'].flatMap((s) => [`data.${s}.path=${data}`, `data.${s}.format=${format}`, `data.${s}.split=train`]),
    'data.shortSides=[64]', 'data.maxSize=96', 'data.testShortSide=64', 'solver.maxIters=1', 'checkpoint.period=1',
    'model.rpn.preNmsTopNTrain=50', 'model.rpn.postNmsTopNTrain=8', 'model.rpn.preNmsTopNTest=50', 'model.rpn.postNmsTopNTest=4',
    'model.roiHeads.batchSizePerImage=4',
  ];
  const r = runCli(['train', path.join(CONFIGS, f), '--out', out, '--quiet', ...sets.flatMap((s) => ['--set', s])]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/trained for 1 iterations/);
  const log = JsonlLog.read(path.join(out, 'log.jsonl'));
  const train = log.filter((x) => x.type === 'train');
  expect(train).toHaveLength(1);
  expect(Object.keys(train[0]).filter((k) => k.startsWith('loss')).sort()).toEqual(['loss', 'loss_box_reg', 'loss_classifier', 'loss_objectness', 'loss_rpn_box_reg']);
  expect(Number.isFinite(train[0].loss as number)).toBe(true);
  const ev = log.find((x) => x.type === 'eval')!;
  expect(ev.images).toBe(2);
  expect(ev.voc07_map50).toBeGreaterThanOrEqual(0);
  expect(fs.existsSync(path.join(out, 'eval', 'step-1', 'detections.json'))).toBe(true);
  expect(fs.existsSync(path.join(out, 'step-0000001.safetensors'))).toBe(true);
}, 300000);
