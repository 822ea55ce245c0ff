/**
 * The FPN layout on tiny settings (ResNet-18 at 1/8 width, 64-96 px images): pyramid shapes for odd input
 * sizes and the top-down arithmetic, the FPN paper's level rule and multi-level RoIAlign, per-level proposal
 * selection, names and ImageNet weight mapping, gradients through the RoI op, checkpoint round trip, a flat
 * tensor count over training steps, and a short overfit run from the CLI (in a child process).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { ConfigError, deepMerge } from '../../run/config';
import { SGD } from '../../engine/optim/sgd';
import { trainStep } from '../../engine/train_step';
import { saveCheckpoint, readTorchLayoutTensors } from '../../run/checkpoint';
import { buildResNet } from '../../backbone/resnet';
import { DETECTOR_DEFAULTS, DetectorConfig } from '../../detection/config';
import { buildDetectorModel } from '../../detection/modeling/detector_model';
import { FasterRcnnFpn } from '../../detection/modeling/faster_rcnn_fpn';
import { FasterRcnnC4 } from '../../detection/modeling/faster_rcnn';
import { FeaturePyramidNetwork } from '../../detection/modeling/fpn';
import * as msra from '../../detection/ops/multi_scale_roi_align';
import { assignFpnLevels, multiScaleRoiAlign } from '../../detection/ops/multi_scale_roi_align';
import { roiAlign } from '../../detection/ops/roi_align';
import { selectProposals } from '../../detection/modeling/rpn_proposals';
import { BoxCoder } from '../../detection/modeling/box_coder';
import { JsonlLog } from '../../run/jsonl_log';
import { trainOnTwoImages } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';

const tinyConfig = (over: object = {}): DetectorConfig =>
  deepMerge(
    deepMerge(DETECTOR_DEFAULTS, {
      model: {
        type: 'fpn', arch: 'resnet18', widthMultiplier: 0.125, batchNorm: 'train', freezeAt: 0, fpn: { outChannels: 16 },
        rpn: { anchorSizes: [8, 16, 32, 64, 128], preNmsTopNTrain: 100, postNmsTopNTrain: 40, preNmsTopNTest: 100, postNmsTopNTest: 30, minSize: 0 },
        roiHeads: { resolution: 7, samplingRatio: 2, mlpDim: 32, batchSizePerImage: 16, scoreThresh: 0.0 },
      },
    }),
    over,
  );
const tinyModel = (over: object = {}) => buildDetectorModel(tinyConfig(over).model, 3) as FasterRcnnFpn;
const proposals = [{ boxes: Float32Array.from([4, 4, 40, 40, 30, 10, 90, 60, 0, 0, 12, 10, 20, 30, 36, 44]), scores: Float32Array.from([1, 1, 1, 1]) }];
const targets = [{ boxes: Float32Array.from([5, 5, 40, 42, 28, 12, 88, 58]), labels: Int32Array.from([1, 2]) }];

beforeAll(async () => {
  await initBackend('wasm');
});

describe('the pyramid', () => {
  test('odd input sizes: P2…P6 follow the stage sizes (halving rounds up), all with outChannels', () => {
    const model = tinyModel();
    expect(model).toBeInstanceOf(FasterRcnnFpn);
    const x = tf.randomNormal([1, 67, 93, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const p = model.backbone.forward(x);
    expect(p.map((t) => t.shape)).toEqual([[1, 17, 24, 16], [1, 9, 12, 16], [1, 5, 6, 16], [1, 3, 3, 16], [1, 2, 2, 16]]);
    tf.dispose([x, ...p]);
    model.dispose();
  });

  test('top-down: the coarser level upsampled by nearest neighbour to the lateral size, added; P6 = P5[::2, ::2]', () => {
    // identity laterals (1x1 weight 1) and identity output convs (3x3 with only the centre 1): P = the sums
    const fpn = new FeaturePyramidNetwork([1, 1], 1);
    const centre = new Float32Array(9);
    centre[4] = 1;
    const one = (shape: number[], data: Float32Array) => ({ shape, data });
    fpn.loadStateDict(new Map([
      ['inner_blocks.0.weight', one([1, 1, 1, 1], Float32Array.of(1))], ['inner_blocks.0.bias', one([1], Float32Array.of(0))],
      ['inner_blocks.1.weight', one([1, 1, 1, 1], Float32Array.of(1))], ['inner_blocks.1.bias', one([1], Float32Array.of(0))],
      ['layer_blocks.0.weight', one([3, 3, 1, 1], centre)], ['layer_blocks.0.bias', one([1], Float32Array.of(0))],
      ['layer_blocks.1.weight', one([3, 3, 1, 1], centre)], ['layer_blocks.1.bias', one([1], Float32Array.of(0))],
    ]));
    const fine = Float32Array.from({ length: 5 * 7 }, (_, i) => i);
    const coarse = Float32Array.from({ length: 3 * 4 }, (_, i) => 100 * (i + 1));
    const [p0, p1, p2] = fpn.forward([tf.tensor4d(fine, [1, 5, 7, 1]), tf.tensor4d(coarse, [1, 3, 4, 1])]);
    expect(p1.shape).toEqual([1, 3, 4, 1]);
    expect(Array.from(p1.dataSync())).toEqual(Array.from(coarse));
    const expected: number[] = [];
    for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) expected.push(fine[y * 7 + x] + coarse[Math.floor((y * 3) / 5) * 4 + Math.floor((x * 4) / 7)]);
    expect(Array.from(p0.dataSync())).toEqual(expected);
    expect(p2.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(p2.dataSync())).toEqual([coarse[0], coarse[2], coarse[8], coarse[10]]);
    tf.dispose([p0, p1, p2]);
    fpn.dispose();
  });
});

describe('multi-level RoIAlign', () => {
  const roiOf = (w: number, h: number) => Float32Array.of(0, 10, 10, 10 + w, 10 + h);
  const levelOf = (w: number, h: number) => assignFpnLevels(roiOf(w, h), 2, 5)[0] + 2;

  test('level k = floor(4 + log2(sqrt(area) / 224) + 1e-6), clamped to P2…P5', () => {
    expect(levelOf(224, 224)).toBe(4);
    expect(levelOf(112, 112)).toBe(3); // exactly one octave down: the epsilon keeps it on P3
    expect(levelOf(111.9, 111.9)).toBe(2);
    expect(levelOf(223.9, 223.9)).toBe(3);
    expect(levelOf(448, 448)).toBe(5);
    expect(levelOf(112, 448)).toBe(4); // sqrt(area) = 224
    expect(levelOf(2000, 2000)).toBe(5);
    expect(levelOf(10, 10)).toBe(2);
    expect(levelOf(0, 20)).toBe(2);
    // a smaller canonical scale (smaller images) moves every box up by log2(224 / scale) levels
    expect(assignFpnLevels(roiOf(112, 112), 2, 5, 112)[0] + 2).toBe(4);
    expect(assignFpnLevels(roiOf(56, 56), 2, 5, 112)[0] + 2).toBe(3);
    expect(assignFpnLevels(roiOf(55.9, 55.9), 2, 5, 112)[0] + 2).toBe(2);
  });

  test('each RoI is pooled from its level with that stride, rows in RoI order', () => {
    const strides = [4, 8, 16, 32];
    const feats = strides.map((s, l) => tf.randomNormal([2, Math.ceil(512 / s), Math.ceil(512 / s), 3], 0, 1, 'float32', 10 + l) as tf.Tensor4D);
    // levels 5, 2, 4, 3, 2 (second image), 4
    const rois = Float32Array.from([0, 0, 0, 460, 460, 0, 5, 5, 30, 30, 0, 100, 50, 330, 270, 0, 60, 60, 180, 180, 1, 3, 7, 20, 60, 1, 10, 10, 240, 240]);
    const opts = { outputSize: [7, 7] as [number, number], samplingRatio: 2, aligned: false };
    const out = multiScaleRoiAlign(feats, rois, { strides, pooler: 'align', ...opts });
    expect(out.shape).toEqual([6, 7, 7, 3]);
    const levels = assignFpnLevels(rois, 2, 5);
    expect(Array.from(levels)).toEqual([3, 0, 2, 1, 0, 2]);
    for (let r = 0; r < 6; r++) {
      const l = levels[r];
      const single = roiAlign(feats[l], tf.tensor2d(rois.subarray(5 * r, 5 * r + 5), [1, 5]), { ...opts, spatialScale: 1 / strides[l] });
      const row = tf.slice(out, [r, 0, 0, 0], [1, 7, 7, 3]);
      expect(Array.from(row.dataSync())).toEqual(Array.from(single.dataSync()));
      tf.dispose([single, row]);
    }
    tf.dispose([...feats, out]);
  });

  test("each level's gradient is the sum of its RoIs' gradients, taken row by row", () => {
    const strides = [4, 8, 16, 32];
    const feats = strides.map((s, l) => tf.randomNormal([2, Math.ceil(512 / s), Math.ceil(512 / s), 3], 0, 1, 'float32', 20 + l) as tf.Tensor4D);
    // levels 5, 2, 4, 3, 2, 4, 2: parts of several rows, interleaved in RoI order
    const rois = Float32Array.from([0, 0, 0, 460, 460, 0, 5, 5, 30, 30, 0, 100, 50, 330, 270, 0, 60, 60, 180, 180, 1, 3, 7, 20, 60, 1, 10, 10, 240, 240, 1, 8, 8, 40, 40]);
    const opts = { outputSize: [7, 7] as [number, number], samplingRatio: 2, aligned: false };
    const R = rois.length / 5;
    const w = tf.randomNormal([R, 7, 7, 3], 0, 1, 'float32', 7);
    const levels = assignFpnLevels(rois, 2, 5);
    const grads = tf.grads((...f: tf.Tensor[]) => tf.sum(tf.mul(multiScaleRoiAlign(f as tf.Tensor4D[], rois, { strides, pooler: 'align', ...opts }), w)))(feats);
    const rowByRow = tf.grads((...f: tf.Tensor[]) => {
      const terms = Array.from(levels, (l, r) => {
        const one = roiAlign(f[l] as tf.Tensor4D, tf.tensor2d(rois.subarray(5 * r, 5 * r + 5), [1, 5]), { ...opts, spatialScale: 1 / strides[l] });
        return tf.sum(tf.mul(one, tf.slice(w, [r, 0, 0, 0], [1, 7, 7, 3])));
      });
      return tf.addN(terms);
    })(feats);
    for (let l = 0; l < 4; l++) expect(tf.max(tf.abs(tf.sub(grads[l], rowByRow[l]))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.sum(tf.abs(grads[1])).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([...feats, w, ...grads, ...rowByRow]);
  });
});

test('proposals: top-k anchors per level, NMS within each level, then the best of all levels', () => {
  // level 0: A (score 5), B overlapping A (4), C (3) — top-2 keeps A and B, NMS drops B; level 1: D = A's box (2), E (1)
  const anchors = Float32Array.from([0, 0, 10, 10, 0, 0, 10, 11, 50, 50, 60, 60, 0, 0, 10, 10, 30, 30, 40, 40]);
  const obj = Float32Array.from([5, 4, 3, 2, 1]);
  const del = new Float32Array(5 * 4);
  const coder = new BoxCoder([1, 1, 1, 1]);
  const run = (postNmsTopN: number) =>
    selectProposals(obj, del, anchors, [3, 2], [{ width: 100, height: 100 }], coder, { preNmsTopN: 2, postNmsTopN, nmsThresh: 0.7, minSize: 0 })[0];
  const p = run(10);
  expect(Array.from(p.scores)).toEqual([5, 2, 1]); // C lost in its level's top-k although it beats D and E
  expect(Array.from(p.boxes)).toEqual([0, 0, 10, 10, 0, 0, 10, 10, 30, 30, 40, 40]); // D survives A: another level
  expect(Array.from(run(2).scores)).toEqual([5, 2]);
});

test('names follow torchvision; ImageNet weights go to backbone.body; freezing as for C4', async () => {
  const model = tinyModel({ model: { batchNorm: 'frozen', freezeAt: 2 } });
  const names = model.namedParameters().map(([n]) => n);
  for (const n of ['backbone.body.conv1.weight', 'backbone.body.layer4.1.bn2.weight', 'backbone.fpn.inner_blocks.3.bias', 'backbone.fpn.layer_blocks.0.weight',
    'rpn.head.conv.weight', 'roi_heads.box_head.fc6.weight', 'roi_heads.box_head.fc7.bias', 'roi_heads.box_predictor.bbox_pred.weight']) {
    expect(names).toContain(n);
  }
  expect(model.roiHeads.boxHead.fc6.weight.variable.shape).toEqual([16 * 7 * 7, 32]);
  const trainable = model.trainableParameters().map(([n]) => n);
  expect(trainable.some((n) => n.startsWith('backbone.body.layer1.') || n.startsWith('backbone.body.conv1') || n.includes('bn'))).toBe(false);
  expect(trainable).toContain('backbone.body.layer2.0.conv1.weight');
  expect(trainable).toContain('backbone.fpn.inner_blocks.0.weight');

  const dir = tempDir('fpn');
  const net = buildResNet('resnet18', { widthMultiplier: 0.125 });
  await saveCheckpoint(dir, 'r18', net, { kind: 'classifier', step: 0 });
  await model.loadBackboneWeights(path.join(dir, 'r18.safetensors'));
  const own = model.stateDict();
  for (const [n, t] of net.stateDict()) {
    if (n.startsWith('fc.')) continue;
    expect(Array.from(own.get(`backbone.body.${n}`)!.dataSync())).toEqual(Array.from(t.dataSync()));
  }
  net.dispose();
  model.dispose();
});

test('a C4-sized anchor list or py-faster-rcnn anchors are config errors naming the key', () => {
  expect(() => tinyModel({ model: { rpn: { anchorSizes: [128, 256, 512] } } })).toThrow(ConfigError);
  expect(() => tinyModel({ model: { rpn: { anchorSizes: [128, 256, 512] } } })).toThrow(/model\.rpn\.anchorSizes/);
  expect(() => tinyModel({ model: { rpn: { anchorStyle: 'py-faster-rcnn' } } })).toThrow(/model\.rpn\.anchorStyle/);
});

test('the factory: model.type picks the layout; a config without it (older checkpoints) builds C4', () => {
  const { type: _type, fpn: _fpn, ...older } = tinyConfig({ model: { type: 'c4', rpn: { anchorSizes: [32, 64] } } }).model;
  const c4 = buildDetectorModel(older as DetectorConfig['model'], 3);
  expect(c4).toBeInstanceOf(FasterRcnnC4);
  expect(c4.classSpecificPrefixes).toEqual(['roi_heads.box_predictor']);
  c4.dispose();
  expect(() => buildDetectorModel({ ...older, type: 'c5' } as unknown as DetectorConfig['model'], 3)).toThrow(/model\.type/);
});

test('gradients reach backbone.body through the RoI op', () => {
  const model = tinyModel();
  model.train();
  const x = tf.randomNormal([1, 64, 96, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const conv = (stage: number) => (model.backbone.body.stages[stage].blocks[0] as unknown as { conv1: { weight: { variable: tf.Variable } } }).conv1.weight.variable;
  const ws = [conv(0), conv(3)];
  const { grads, value } = tf.variableGrads(() => {
    const f = model.backbone.forward(x);
    const l = model.roiHeads.losses(f, proposals, targets, new Rng(1));
    return tf.add(l.loss_classifier, l.loss_box_reg) as tf.Scalar;
  }, ws);
  for (const w of ws) {
    const norm = tf.norm(grads[w.name]).dataSync()[0];
    expect(norm).toBeGreaterThan(0);
    expect(Number.isFinite(norm)).toBe(true);
  }
  tf.dispose([x, value, ...Object.values(grads)]);
  model.dispose();
});

test('a saved and reloaded FPN detector gives identical detections', async () => {
  const cfg = tinyConfig();
  const a = buildDetectorModel(cfg.model, 3);
  const dir = tempDir('fpn');
  await saveCheckpoint(dir, 'step-0000000', a, { kind: 'detector', step: 0 });
  const b = buildDetectorModel(cfg.model, 3);
  b.loadStateDict(await readTorchLayoutTensors(path.join(dir, 'step-0000000.safetensors')));
  const x = tf.randomNormal([2, 64, 96, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
  const sizes = [{ width: 96, height: 64 }, { width: 80, height: 60 }];
  const da = a.detect(x, sizes);
  const db = b.detect(x, sizes);
  expect(da.map((d) => d.scores.length).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
  for (let i = 0; i < 2; i++) {
    expect(Array.from(db[i].boxes)).toEqual(Array.from(da[i].boxes));
    expect(Array.from(db[i].scores)).toEqual(Array.from(da[i].scores));
    expect(Array.from(db[i].labels)).toEqual(Array.from(da[i].labels));
  }
  x.dispose();
  a.dispose();
  b.dispose();
});

test('training steps and detection keep the tensor count flat', () => {
  const model = tinyModel();
  const optimizer = new SGD({ momentum: 0.9, weightDecay: 1e-4 });
  const params = model.trainableParameters();
  const x = tf.randomNormal([1, 64, 96, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const sizes = [{ width: 96, height: 64 }];
  const counts: number[] = [];
  for (let s = 0; s < 3; s++) {
    model.train();
    const r = trainStep(params, () => model.losses(x, sizes, targets, new Rng(s)), optimizer, 0.01);
    expect(Number.isFinite(r.loss)).toBe(true);
    model.detect(x, sizes);
    counts.push(tf.memory().numTensors);
  }
  expect(counts[2]).toBe(counts[1]);
  x.dispose();
  optimizer.dispose();
  model.dispose();
});

test('overfitting two images from the CLI: the loss falls to a third of its start in 40 steps', () => {
  const r = trainOnTwoImages('faster_rcnn_R_50_FPN_coco.yaml', () => [
    'model.arch=resnet18', 'model.widthMultiplier=0.125', 'model.batchNorm=train', 'model.freezeAt=0',
    'model.fpn.outChannels=16', 'model.roiHeads.mlpDim=64', 'model.rpn.anchorSizes=[8,16,32,64,128]',
    'model.rpn.preNmsTopNTrain=300', 'model.rpn.postNmsTopNTrain=100', 'model.rpn.preNmsTopNTest=300', 'model.rpn.postNmsTopNTest=50',
    'model.roiHeads.batchSizePerImage=32', 'data.shortSides=[64]', 'data.maxSize=96', 'data.testShortSide=64', 'data.flip=false',
    'solver.maxIters=40', 'solver.lr=0.02', 'solver.warmupIters=5', 'solver.steps=[]', 'checkpoint.period=1000',
  ]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  const losses = JsonlLog.read(path.join(r.out, 'log.jsonl')).filter((x) => x.type === 'train').map((x) => x.loss as number);
  expect(losses).toHaveLength(40);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  // measured on wasm (deterministic): first 4 steps 2.39, last 10 steps 0.79 (ratio 0.33)
  expect(mean(losses.slice(-10))).toBeLessThan(0.45 * mean(losses.slice(0, 4)));
}, 120000);

test('roiHeads.canonicalScale reaches the multi-level RoIAlign of the FPN box head', () => {
  const spy = jest.spyOn(msra, 'multiScaleRoiAlign');
  try {
    const model = tinyModel({ model: { roiHeads: { canonicalScale: 112 } } });
    const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    model.detect(x, [{ width: 64, height: 64 }]);
    expect(spy).toHaveBeenCalled();
    for (const call of spy.mock.calls) expect(call[2].canonicalScale).toBe(112);
    x.dispose();
    model.dispose();
  } finally {
    spy.mockRestore();
  }
});
