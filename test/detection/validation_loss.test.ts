/**
 * The detector's validation loss (detection/validation_loss.ts) on a tiny FPN v2-style detector (trainable batch
 * norm in the backbone and the pyramid): a pass changes no state (every parameter and running statistic
 * bit-identical), gives the same finite value when repeated at the same step, and leaves no tensor behind; the
 * sample and a test set with other classes.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { DETECTOR_DEFAULTS, DetectorConfig } from '../../detection/config';
import { deepMerge } from '../../run/config';
import { buildDetectorModel, DetectorModel } from '../../detection/modeling/detector_model';
import { detectorValidationLoss, validationSample } from '../../detection/validation_loss';
import { ConfigError } from '../../run/config';
import { synthShapes, SHAPE_CLASSES } from '../../datasets/detection/synth';
import { tempDir } from '../helpers/temp_dir';

let cfg: DetectorConfig;
let model: DetectorModel;

beforeAll(async () => {
  await initBackend('wasm');
  const data = path.join(tempDir('valloss'), 'data');
  await synthShapes({ out: data, images: 3, seed: 5, format: 'coco', split: 'train' });
  cfg = deepMerge(DETECTOR_DEFAULTS, {
    model: {
      type: 'fpn', arch: 'resnet18', widthMultiplier: 0.125, batchNorm: 'train', freezeAt: 0, fpn: { outChannels: 16, norm: 'bn' },
      rpn: { anchorSizes: [8, 16, 32, 64, 128], preNmsTopNTrain: 100, postNmsTopNTrain: 40, minSize: 0 },
      roiHeads: { resolution: 7, samplingRatio: 2, mlpDim: 32, batchSizePerImage: 16 },
    },
    data: { test: { path: data, format: 'coco', split: 'train' }, testShortSide: 64, maxSize: 96 },
    solver: { imsPerBatch: 2 },
    eval: { valImages: 3 },
  }) as DetectorConfig;
  model = buildDetectorModel(cfg.model, SHAPE_CLASSES.length);
  model.train();
}, 60000);

afterAll(() => model?.dispose());

const snapshot = (m: DetectorModel) => new Map([...m.stateDict()].map(([k, t]) => [k, Buffer.from((t.dataSync() as Float32Array).buffer).toString('base64')]));

test('a pass changes no parameter or running statistic, repeats exactly, and leaves no tensor', async () => {
  const val = detectorValidationLoss(cfg, model, await validationSample(cfg, SHAPE_CLASSES));
  const before = snapshot(model);
  const first = (await val(10))!;
  const tensors = tf.memory().numTensors; // after the first pass: the eval-mode folded conv+bn filters are cached
  const again = (await val(10))!;
  expect(tf.memory().numTensors).toBe(tensors);
  expect(snapshot(model)).toEqual(before);
  expect(again).toEqual(first);
  expect(first.images).toBe(3);
  expect(Object.keys(first).sort()).toEqual(['images', 'loss', 'loss_box_reg', 'loss_classifier', 'loss_objectness', 'loss_rpn_box_reg']);
  expect(Number.isFinite(first.loss) && first.loss > 0).toBe(true);
  const parts = first.loss_box_reg + first.loss_classifier + first.loss_objectness + first.loss_rpn_box_reg;
  expect(first.loss).toBeCloseTo(parts, 4);
  // another step draws other RoI samples
  expect((await val(20))!.loss).not.toBe(first.loss);
}, 60000);

test('the sample: the first eval.valImages test images; a test set with other classes is a ConfigError saying how to turn it off', async () => {
  const two = await validationSample({ ...cfg, eval: { ...cfg.eval, valImages: 2 } }, SHAPE_CLASSES);
  expect(two.map((r) => r.file)).toEqual((await validationSample(cfg, SHAPE_CLASSES)).slice(0, 2).map((r) => r.file));
  const other = validationSample(cfg, ['cat', 'dog']);
  await expect(other).rejects.toThrow(ConfigError);
  await expect(other).rejects.toThrow(/^eval\.valImages: the classes of data\.test .*, 4 \(circle, square, triangle, star\), are not those of data\.train, 2 \(cat, dog\); .*eval\.valImages: 0 turns it off\)$/);
});
