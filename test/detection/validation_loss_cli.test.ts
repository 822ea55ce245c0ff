/**
 * Validation loss from the CLI: `resdet train` with eval.period 3 on two images logs a `val` record (mean losses
 * on data.test, the same two images) at steps 3 and 6, and the training losses are exactly those of the same run
 * with eval.valImages 0 (the validation pass shifts no random stream and changes no state: the final checkpoint
 * and the live tensor count of every step are the same too).
 */
import * as fs from 'fs';
import * as path from 'path';
import { JsonlLog } from '../../run/jsonl_log';
import { trainOnTwoImages } from '../helpers/cli';

const sets = (valImages: number) => () => [
  'model.arch=resnet18', 'model.widthMultiplier=0.125', 'model.batchNorm=train', 'model.freezeAt=0', 'model.fpn.norm=bn',
  'model.fpn.outChannels=16', 'model.roiHeads.mlpDim=32', 'model.rpn.anchorSizes=[8,16,32,64,128]',
  'model.rpn.preNmsTopNTrain=100', 'model.rpn.postNmsTopNTrain=40', 'model.rpn.preNmsTopNTest=100', 'model.rpn.postNmsTopNTest=20',
  'model.roiHeads.batchSizePerImage=16', 'data.train.format=coco', 'data.test.format=coco', 'data.shortSides=[64]', 'data.maxSize=96',
  'data.testShortSide=64', 'solver.maxIters=6', 'solver.lr=0.01', 'solver.warmupIters=2', 'solver.steps=[]', 'checkpoint.period=1000',
  'eval.period=3', `eval.valImages=${valImages}`,
];

test('val records at each eval period and the last step; training losses unchanged by them', () => {
  const withVal = trainOnTwoImages('faster_rcnn_R_50_FPN_coco.yaml', sets(50));
  expect(withVal.stderr).not.toMatch(/error/i);
  expect(withVal.code).toBe(0);
  const log = JsonlLog.read(path.join(withVal.out, 'log.jsonl'));
  const val = log.filter((r) => r.type === 'val');
  expect(val.map((r) => r.step)).toEqual([3, 6]);
  for (const r of val) {
    expect(r.images).toBe(2);
    expect(Number.isFinite(r.loss) && (r.loss as number) > 0).toBe(true);
    const parts = ['loss_objectness', 'loss_rpn_box_reg', 'loss_classifier', 'loss_box_reg'].map((k) => r[k] as number);
    expect(r.loss as number).toBeCloseTo(parts.reduce((s, x) => s + x, 0), 4);
  }
  const without = trainOnTwoImages('faster_rcnn_R_50_FPN_coco.yaml', sets(0));
  expect(without.code).toBe(0);
  const plain = JsonlLog.read(path.join(without.out, 'log.jsonl'));
  expect(plain.filter((r) => r.type === 'val')).toEqual([]);
  const losses = (l: typeof log) => l.filter((r) => r.type === 'train').map((r) => r.loss);
  expect(losses(log)).toHaveLength(6);
  expect(losses(log)).toEqual(losses(plain));
  // no state changed (the weights and batch-norm statistics of the final checkpoint are the same bytes) and no tensor left behind
  const weights = (out: string) => fs.readFileSync(path.join(out, 'step-0000006.safetensors'));
  expect(weights(withVal.out).equals(weights(without.out))).toBe(true);
  const tensors = (l: typeof log) => l.filter((r) => r.type === 'train').map((r) => r.tensors);
  expect(tensors(log)).toEqual(tensors(plain));
}, 240000);

test('with eval.period set, a missing data.test stops the run before its first step: one line, exit 2, no run folder', () => {
  const r = trainOnTwoImages('faster_rcnn_R_50_FPN_coco.yaml', (data) => [...sets(50)(), `data.test.path=${data}-missing`]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('resdet: using '))).toEqual([`resdet: error: dataset ${path.dirname(r.out)}/data-missing does not exist`]);
  expect(fs.existsSync(r.out)).toBe(false);
}, 120000);
