/**
 * BoxCoder and anchors against torchvision's fixtures (targets 1e-5 absolute, decoded boxes 1e-5 relative,
 * anchors exact); the py-faster-rcnn anchors; gradients through decode; bad input; no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../engine/backend';
import { BoxCoder, BBOX_XFORM_CLIP } from '../../detection/modeling/box_coder';
import { generateAnchors } from '../../detection/modeling/anchor_generator';

const load = (f: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'ops', f), 'utf8'));
const coder = load('box_coder.json');
const anchors = load('anchors.json');

describe.each(['cpu', 'wasm'])('box coder and anchors (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('encode and decode reproduce torchvision', () => {
    const before = tf.memory().numTensors;
    expect(Math.fround(BBOX_XFORM_CLIP)).toBe(coder.bbox_xform_clip_float32);
    for (const e of coder.encode) {
      const [r, p] = [tf.tensor2d(e.reference_boxes), tf.tensor2d(e.proposals)];
      const t = new BoxCoder(e.weights).encode(r, p);
      const got = t.arraySync();
      e.targets.forEach((row: number[], i: number) => row.forEach((v, j) => expect(Math.abs(got[i][j] - v)).toBeLessThan(1e-5)));
      tf.dispose([r, p, t]);
    }
    for (const d of coder.decode) {
      const [codes, boxes] = [tf.tensor2d(d.rel_codes), tf.tensor2d(d.boxes)];
      const out = new BoxCoder(d.weights).decode(codes, boxes);
      expect(out.shape).toEqual([d.boxes.length, d.num_classes, 4]);
      const got = out.arraySync();
      d.pred_boxes.forEach((row: number[][], i: number) =>
        row.forEach((box, k) => box.forEach((v, j) => expect(Math.abs(got[i][k][j] - v)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))))));
      tf.dispose([codes, boxes, out]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('host decodeArrays reproduces torchvision and the tensor decode', () => {
    for (const d of coder.decode) {
      const c = new BoxCoder(d.weights);
      const got = c.decodeArrays(Float32Array.from(d.rel_codes.flat()), Float32Array.from(d.boxes.flat()));
      const want = (d.pred_boxes as number[][][]).flat(2);
      expect(got.length).toBe(want.length);
      want.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
      const t = tf.tidy(() => c.decode(tf.tensor2d(d.rel_codes), tf.tensor2d(d.boxes)).dataSync());
      t.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
    }
    expect(() => new BoxCoder([1, 1, 1, 1]).decodeArrays(new Float32Array(6), new Float32Array(8))).toThrow(/do not fit/);
  });

  test('decode is differentiable; encode(decode) round trip', () => {
    const before = tf.memory().numTensors;
    const c = new BoxCoder([10, 10, 5, 5]);
    const boxes = tf.tensor2d([[10, 20, 50, 80], [0, 0, 16, 16]]);
    const codes = tf.tensor2d([[0.5, -1, 0.3, 0.2], [2, 1, -0.5, 0.1]]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(c.decode(x as tf.Tensor2D, boxes)))(codes);
    // d/d dx of (x1+x2) = 2*w/wx; d/d dw of (x1+x2) = 0 (the box grows symmetrically)
    const gv = g.arraySync() as number[][];
    expect(gv[0][0]).toBeCloseTo((2 * 40) / 10, 5);
    expect(gv[0][2]).toBeCloseTo(0, 5);
    const dec = c.decode(codes, boxes);
    const flat = tf.reshape(dec, [2, 4]) as tf.Tensor2D;
    const enc = c.encode(flat, boxes);
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(enc, codes))));
    expect(err.dataSync()[0]).toBeLessThan(1e-5);
    err.dispose();
    tf.dispose([boxes, codes, g, dec, flat, enc]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('anchors equal torchvision AnchorGenerator', () => {
    const before = tf.memory().numTensors;
    for (const c of anchors.cases) {
      const a = generateAnchors({ sizes: anchors.sizes, aspectRatios: anchors.aspect_ratios, imageSize: c.image_size_hw, featureSize: c.feature_size_hw });
      expect(a.shape).toEqual([c.num_anchors, 4]);
      expect(a.arraySync()).toEqual(c.anchors);
      a.dispose();
    }
    const one = generateAnchors({ sizes: anchors.sizes, aspectRatios: anchors.aspect_ratios, imageSize: [16, 16], featureSize: [1, 1] });
    expect(one.arraySync()).toEqual(anchors.cell_anchors);
    one.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('py-faster-rcnn anchors (the paper reference code)', () => {
    const a = generateAnchors({ sizes: [128, 256, 512], aspectRatios: [0.5, 1, 2], imageSize: [32, 16], featureSize: [2, 1], style: 'py-faster-rcnn' });
    const v = a.arraySync();
    // generate_anchors() of py-faster-rcnn: ratio-major, then the second row shifted by stride 16 in y
    expect(v.slice(0, 9)).toEqual([
      [-84, -40, 99, 55], [-176, -88, 191, 103], [-360, -184, 375, 199],
      [-56, -56, 71, 71], [-120, -120, 135, 135], [-248, -248, 263, 263],
      [-36, -80, 51, 95], [-80, -168, 95, 183], [-168, -344, 183, 359],
    ]);
    expect(v[9]).toEqual([-84, -24, 99, 71]);
    a.dispose();
  });

  test('bad input', () => {
    const before = tf.memory().numTensors;
    const b = tf.tensor2d([[0, 0, 10, 10]]);
    const two = tf.tensor2d([[0, 0, 10, 10], [1, 1, 2, 2]]);
    const c = new BoxCoder([1, 1, 1, 1]);
    expect(() => c.encode(b, two)).toThrow(/1 reference boxes but 2 proposals/);
    expect(() => tf.tidy(() => c.decode(tf.zeros([1, 6]) as tf.Tensor2D, b))).toThrow(/\[N, 4\*K\]/);
    expect(() => tf.tidy(() => c.decode(tf.zeros([2, 4]) as tf.Tensor2D, b))).toThrow(/2 rows of codes but 1 boxes/);
    expect(() => new BoxCoder([1, 1, 0, 1])).toThrow(/weights/);
    expect(() => generateAnchors({ sizes: [], aspectRatios: [1], imageSize: [10, 10], featureSize: [1, 1] })).toThrow(/sizes/);
    expect(() => generateAnchors({ sizes: [32], aspectRatios: [1], imageSize: [10, 10], featureSize: [0, 1] })).toThrow(/featureSize/);
    // a degenerate proposal (zero width) gives a non-finite target, as in torchvision: defined, not an error
    const z = tf.tensor2d([[5, 5, 5, 10]]);
    const te = c.encode(b, z);
    const t = te.dataSync();
    expect(Number.isFinite(t[0]) || Number.isFinite(t[2])).toBe(false);
    tf.dispose([b, two, z, te]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
