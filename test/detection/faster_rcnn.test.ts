import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { Rng } from '../../engine/rng';
import { deepMerge } from '../../run/config';
import { saveCheckpoint, readTorchLayoutTensors } from '../../run/checkpoint';
import { DETECTOR_DEFAULTS, DetectorConfig } from '../../detection/config';
import { FasterRcnnC4 } from '../../detection/modeling/faster_rcnn';
import { tempDir } from '../helpers/temp_dir';

const tinyConfig = (): DetectorConfig =>
  deepMerge(DETECTOR_DEFAULTS, {
    model: {
      arch: 'resnet18', widthMultiplier: 0.125, batchNorm: 'train', freezeAt: 0,
      rpn: { anchorSizes: [32, 64], aspectRatios: [1], preNmsTopNTrain: 200, postNmsTopNTrain: 50, preNmsTopNTest: 200, postNmsTopNTest: 30, minSize: 0 },
      roiHeads: { resolution: 7, batchSizePerImage: 16, scoreThresh: 0.0 },
    },
  });

beforeAll(async () => {
  await initBackend('wasm');
});

describe('RPN anchor targets (hand-made)', () => {
  let model: FasterRcnnC4;
  beforeAll(() => {
    model = new FasterRcnnC4(tinyConfig().model, 3);
  });
  afterAll(() => model.dispose());

  test('IoU >= 0.7 positive, < 0.3 negative, in between ignored, the best anchor of each GT positive', () => {
    // two 32x32 anchors and one 64x64 at four positions (hand-made, not from the generator)
    const anchors = Float32Array.from([
      0, 0, 32, 32, //   0: equals GT a → positive
      40, 0, 72, 32, //  1: IoU with a = 0 → negative
      8, 0, 40, 32, //   2: IoU with a = 24/40 = 0.6 → ignored
      100, 100, 164, 164, // 3: best anchor of GT b (IoU 0.25 < 0.3) → positive by the low-quality rule
      300, 300, 332, 332, // 4: far away → negative
    ]);
    const t = { boxes: Float32Array.from([0, 0, 32, 32, 100, 100, 228, 228]), labels: Int32Array.from([0, 1]) };
    const { labels, matched } = model.rpn.anchorTargets(anchors, t);
    expect(Array.from(labels)).toEqual([1, 0, -1, 1, 0]);
    expect(matched[0]).toBe(0);
    expect(matched[3]).toBe(1);
  });

  test('anchors mostly inside a crowd region are ignored, not negatives', () => {
    const anchors = Float32Array.from([0, 0, 32, 32, 200, 200, 232, 232]);
    const t = { boxes: Float32Array.from([0, 0, 32, 32]), labels: Int32Array.from([0]), crowdBoxes: Float32Array.from([190, 190, 300, 300]) };
    expect(Array.from(model.rpn.anchorTargets(anchors, t).labels)).toEqual([1, -1]);
  });

  test('no GT: every anchor is background', () => {
    const anchors = Float32Array.from([0, 0, 32, 32, 40, 0, 72, 32]);
    const t = { boxes: new Float32Array(0), labels: new Int32Array(0) };
    expect(Array.from(model.rpn.anchorTargets(anchors, t).labels)).toEqual([0, 0]);
  });
});

describe('proposal targets (hand-made)', () => {
  test('GT boxes join the proposals; labels are class + 1 at IoU >= 0.5, background below', () => {
    const model = new FasterRcnnC4(tinyConfig().model, 3);
    const proposals = [{ boxes: Float32Array.from([0, 0, 40, 40, 0, 0, 10, 10, 100, 100, 150, 150]), scores: Float32Array.from([1, 1, 1]) }];
    const targets = [{ boxes: Float32Array.from([0, 0, 40, 36]), labels: Int32Array.from([2]) }];
    const s = model.roiHeads.sample(proposals, targets, new Rng(3));
    // 4 candidates (3 proposals + 1 GT), batch 16 with at most 4 foreground: all taken
    expect(s.labels.length).toBe(4);
    const byBox = new Map<string, number>();
    for (let r = 0; r < s.labels.length; r++) byBox.set(Array.from(s.rois.subarray(5 * r + 1, 5 * r + 5)).join(','), s.labels[r]);
    expect(byBox.get('0,0,40,40')).toBe(3); // IoU 0.9 with the GT of class 2
    expect(byBox.get('0,0,40,36')).toBe(3); // the GT itself
    expect(byBox.get('0,0,10,10')).toBe(0);
    expect(byBox.get('100,100,150,150')).toBe(0);
    // regression target of the GT onto itself is zero; of the 40x40 proposal: dh = 5 * log(36/40)
    expect(s.fgRows.length).toBe(2);
    const t = Array.from(s.targets);
    const rowOfProposal = s.fgRows.findIndex((r) => s.rois[5 * r + 4] === 40);
    expect(t[4 * rowOfProposal + 3]).toBeCloseTo(5 * Math.log(36 / 40), 5);
    expect(t[4 * rowOfProposal + 1]).toBeCloseTo(10 * (18 - 20) / 40, 5);
    model.dispose();
  });
});

test('gradients reach the backbone through the RoI op', () => {
  const model = new FasterRcnnC4(tinyConfig().model, 3);
  model.train();
  const x = tf.randomNormal([1, 64, 96, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const conv = model.backbone.stages[2].blocks[0] as unknown as { conv1: { weight: { variable: tf.Variable } } };
  const w = conv.conv1.weight.variable;
  const proposals = [{ boxes: Float32Array.from([4, 4, 40, 40, 30, 10, 90, 60]), scores: Float32Array.from([1, 1]) }];
  const targets = [{ boxes: Float32Array.from([5, 5, 40, 42]), labels: Int32Array.from([1]) }];
  const { grads, value } = tf.variableGrads(() => {
    const f = model.backbone.forward(x);
    const l = model.roiHeads.losses(f, proposals, targets, new Rng(1));
    return tf.add(l.loss_classifier, l.loss_box_reg) as tf.Scalar;
  }, [w]);
  const g = grads[w.name];
  const norm = tf.norm(g).dataSync()[0];
  expect(norm).toBeGreaterThan(0);
  expect(Number.isFinite(norm)).toBe(true);
  tf.dispose([x, g, value]);
  model.dispose();
});

test('a saved and reloaded detector gives identical predictions', async () => {
  const cfg = tinyConfig();
  const a = new FasterRcnnC4(cfg.model, 3);
  const dir = tempDir('det');
  await saveCheckpoint(dir, 'step-0000000', a, { kind: 'detector', step: 0 });
  const b = new FasterRcnnC4(cfg.model, 3);
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

test('detect() through the box head in chunks of RoIs gives the one-pass detections', () => {
  const model = new FasterRcnnC4(tinyConfig().model, 3);
  const x = tf.randomNormal([2, 64, 96, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
  const sizes = [{ width: 96, height: 64 }, { width: 80, height: 60 }];
  model.roiHeads.detectChunk = 1 << 20;
  const whole = model.detect(x, sizes);
  model.roiHeads.detectChunk = 7; // 60 proposals: chunks straddle the two images
  const chunked = model.detect(x, sizes);
  expect(whole.map((d) => d.scores.length).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
  for (let i = 0; i < 2; i++) {
    expect(Array.from(chunked[i].labels)).toEqual(Array.from(whole[i].labels));
    chunked[i].scores.forEach((s, k) => expect(s).toBeCloseTo(whole[i].scores[k], 5));
    chunked[i].boxes.forEach((b, k) => expect(b).toBeCloseTo(whole[i].boxes[k], 3));
  }
  x.dispose();
  model.dispose();
});
