import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Rng } from '../../../engine/rng';
import { boxesToOriginal, padTo, resizedSize, transformBoxes } from '../../../datasets/detection/pipeline/geometry';
import { NORMALIZATIONS } from '../../../datasets/detection/pipeline/normalize';
import { planImage, TransformOptions } from '../../../datasets/detection/pipeline/transforms';
import { aspectGroupedBatches } from '../../../datasets/detection/pipeline/grouping';
import { BatchProducer } from '../../../datasets/detection/pipeline/producer';
import { DecodedImageCache } from '../../../datasets/detection/pipeline/decoded_cache';
import { makeRecord, DatasetRecord } from '../../../datasets/detection/record';
import { tmpDir } from './fixtures';

const T = (o: Partial<TransformOptions> = {}): TransformOptions => ({ shortSides: [600], maxSize: 1000, flip: false, normalization: 'torchvision', ...o });

describe('pipeline geometry', () => {
  test('shorter side to S, longer side capped at M, exact per-axis factors', () => {
    expect(resizedSize(500, 375, 600, 1000)).toEqual({ width: 800, height: 600, scaleX: 1.6, scaleY: 1.6 });
    expect(resizedSize(1000, 200, 600, 1000)).toEqual({ width: 1000, height: 200, scaleX: 1, scaleY: 1 });
    const g = resizedSize(333, 500, 600, 1000);
    expect([g.width, g.height]).toEqual([600, 901]);
    expect(g.scaleY).toBe(901 / 500);
    expect(padTo(601, 32)).toBe(608);
    expect(padTo(608, 32)).toBe(608);
  });

  test('boxes through resize and flip map back to original pixels', () => {
    const boxes = Float64Array.from([0, 0, 333, 500, 10.5, 20.25, 100, 200, 300, 1, 333, 2]);
    for (const flip of [false, true]) {
      const g = resizedSize(333, 500, 600, 1000);
      const t = transformBoxes(boxes, g, flip);
      if (flip) expect(Array.from(t.subarray(0, 4))).toEqual([0, 0, 600, 901]);
      if (flip) expect(t[4]).toBeCloseTo(600 - 100 * g.scaleX, 3);
      const back = boxesToOriginal(Float64Array.from(t), g, flip, { width: 333, height: 500 });
      back.forEach((v, i) => expect(v).toBeCloseTo(boxes[i], 3)); // float32 batch boxes
      const back64 = boxesToOriginal(Array.from(boxes, (v, i) => (i % 2 ? v * g.scaleY : v * g.scaleX)), g, false, { width: 333, height: 500 });
      back64.forEach((v, i) => expect(v).toBeCloseTo(boxes[i], 10));
    }
  });

  test('plans: multi-scale and flip drawn from the rng in a fixed order; test transforms draw nothing', () => {
    const r = { width: 500, height: 375 };
    const opts = T({ shortSides: [480, 600, 720], flip: true, jitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2 } });
    const a = Array.from({ length: 20 }, (_, i) => planImage(r, opts, new Rng(i)));
    expect(new Set(a.map((p) => p.geometry.height))).toEqual(new Set([480, 600, 720]));
    expect(a.some((p) => p.flip) && a.some((p) => !p.flip)).toBe(true);
    expect(planImage(r, opts, new Rng(3))).toEqual(a[3]);
    const rng = new Rng(1);
    const before = rng.state();
    expect(planImage(r, opts, null)).toEqual({ geometry: resizedSize(500, 375, 480, 1000), flip: false });
    expect(rng.state()).toEqual(before);
  });

  test('aspect-ratio grouping keeps landscape and portrait apart', () => {
    const sizes = Array.from({ length: 11 }, (_, i) => (i % 3 ? { width: 500, height: 300 } : { width: 300, height: 500 }));
    const batches = aspectGroupedBatches(sizes, 2, new Rng(0));
    expect(batches.reduce((n, b) => n + b.length, 0)).toBe(11);
    for (const b of batches) expect(new Set(Array.from(b, (i) => sizes[i].width > sizes[i].height)).size).toBe(1);
    expect(aspectGroupedBatches(sizes, 2, new Rng(0))).toEqual(batches);
    expect(aspectGroupedBatches(sizes, 2, null, true).every((b) => b.length === 2)).toBe(true);
  });
});

describe('BatchProducer', () => {
  let dir: string;
  let records: DatasetRecord[];
  beforeAll(async () => {
    dir = tmpDir('pipe');
    // left half red, right half blue: shows where the pixels went after a flip
    const w = 64;
    const h = 48;
    const px = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], 3 * (y * w + x));
    await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(dir, 'a.png'));
    // a grey image with an EXIF orientation of 6 (rotate 90° clockwise): stored 40x30 with a white top half, shown 30x40 with a white right half
    await sharp(Buffer.from(Array.from({ length: 40 * 30 }, (_, i) => (i < 40 * 15 ? 255 : 0))), { raw: { width: 40, height: 30, channels: 1 } }).withMetadata({ orientation: 6 }).jpeg().toFile(path.join(dir, 'rot.jpg'));
    await sharp({ create: { width: 50, height: 40, channels: 4, background: { r: 120, g: 60, b: 30, alpha: 0.5 } } }).png().toFile(path.join(dir, 'rgba.png'));
    fs.writeFileSync(path.join(dir, 'bad.jpg'), fs.readFileSync(path.join(dir, 'rot.jpg')).subarray(0, 100));
    records = [
      makeRecord({ imageId: 1, file: path.join(dir, 'a.png'), width: 64, height: 48 }, [
        { box: [0, 0, 32, 24], label: 1 }, { box: [40, 10, 60, 40], label: 2, difficult: true }, { box: [1, 1, 5, 5], label: 0, crowd: true },
      ]),
      makeRecord({ imageId: 2, file: path.join(dir, 'rot.jpg'), width: 30, height: 40 }, [{ box: [3, 4, 20, 30], label: 0 }]),
      makeRecord({ imageId: 3, file: path.join(dir, 'bad.jpg'), width: 30, height: 40 }, []),
      makeRecord({ imageId: 4, file: path.join(dir, 'rgba.png'), width: 50, height: 40 }, []),
    ];
  });

  test('padded NHWC batch, true sizes and factors, torchvision normalisation, flip moves pixels and boxes', async () => {
    const opts = T({ shortSides: [96], maxSize: 1000, flip: true });
    let seed = 0;
    for (; seed < 50; seed++) if (planImage(records[0], opts, new Rng(seed)).flip) break;
    const p = new BatchProducer(records, [Int32Array.from([0])], { transforms: opts }, new Rng(seed));
    const batches = [];
    for await (const b of p) batches.push(b);
    const [b] = batches;
    expect(b.shape).toEqual([1, 96, 128, 3]);
    const m = b.metas[0];
    expect(m.geometry).toEqual({ width: 128, height: 96, scaleX: 2, scaleY: 2 });
    expect(m.flipped).toBe(true);
    expect(Array.from(m.boxes)).toEqual([64, 0, 128, 48]); // difficult left out, crowd kept aside
    expect(Array.from(m.labels)).toEqual([1]);
    expect(Array.from(m.crowdBoxes)).toEqual([118, 2, 126, 10]);
    const at = (x: number, y: number) => Array.from(b.images.subarray(3 * (y * 128 + x), 3 * (y * 128 + x) + 3));
    const n = NORMALIZATIONS.torchvision;
    const norm = (rgb: number[]) => rgb.map((v, c) => (v - n.mean[c]) / n.std[c]);
    at(5, 5).forEach((v, c) => expect(v).toBeCloseTo(norm([0, 0, 255])[c], 4)); // blue now on the left
    at(120, 5).forEach((v, c) => expect(v).toBeCloseTo(norm([255, 0, 0])[c], 4));
  });

  test('MSRA normalisation is BGR minus pixel means; EXIF orientation applied; grey and RGBA become RGB; padding is zero', async () => {
    const p = new BatchProducer(records, [Int32Array.from([1, 3])], { transforms: T({ shortSides: [40], normalization: 'msra', includeDifficult: true }) }, null);
    const [b] = await (async () => { const out = []; for await (const x of p) out.push(x); return out; })();
    expect(b.metas.map((m) => [m.geometry.width, m.geometry.height])).toEqual([[40, 53], [50, 40]]);
    expect(b.shape).toEqual([2, 64, 64, 3]);
    const px = (i: number, x: number, y: number) => Array.from(b.images.subarray(i * 64 * 64 * 3 + 3 * (y * 64 + x), i * 64 * 64 * 3 + 3 * (y * 64 + x) + 3));
    px(0, 5, 10).forEach((v, c) => expect(v).toBeCloseTo(0 - NORMALIZATIONS.msra.mean[c], -1)); // dark left
    px(0, 35, 10).forEach((v, c) => expect(v).toBeCloseTo(255 - NORMALIZATIONS.msra.mean[c], -1)); // white right
    px(1, 10, 10).forEach((v, c) => expect(v).toBeCloseTo([30, 60, 120][c] - NORMALIZATIONS.msra.mean[c], 3)); // B,G,R of (120,60,30), alpha dropped
    expect(px(0, 45, 10)).toEqual([0, 0, 0]);
    expect(px(0, 10, 60)).toEqual([0, 0, 0]);
  });

  test('the JS enlarger and libvips agree; in-process and worker decoding give the same batch', async () => {
    const opts = T({ shortSides: [96], flip: true });
    const run = async (resizer: 'js' | 'sharp', workers: number) => {
      const p = new BatchProducer(records, [Int32Array.from([0, 1])], { transforms: opts, resizer, workers }, new Rng(4));
      for await (const b of p) return b;
      throw new Error('no batch');
    };
    const js = await run('js', 0);
    const vips = await run('sharp', 0);
    const pooled = await run('js', 2);
    expect(pooled.images).toEqual(js.images);
    expect(vips.shape).toEqual(js.shape);
    let diff = 0;
    for (let i = 0; i < js.images.length; i++) diff += Math.abs(js.images[i] - vips.images[i]);
    expect(diff / js.images.length).toBeLessThan(0.05); // normalised units (1/255/0.225 ≈ 0.017 per grey level)
  });

  test('recycled batch storage gives the same batches as fresh storage (padding re-zeroed)', async () => {
    const order = [0, 3, 1, 0, 1, 3].map((i) => Int32Array.from([i]));
    const run = async (reuseBuffers: boolean) => {
      const p = new BatchProducer(records, order, { transforms: T({ shortSides: [40, 64], flip: true }), prefetch: 1, workers: 0, reuseBuffers }, new Rng(2));
      const out: number[][] = [];
      for await (const b of p) out.push([...b.shape, ...Array.from(b.images)]);
      return out;
    };
    expect(await run(true)).toEqual(await run(false));
  });

  test('decoded images cached across epochs: the same batches, each image decoded once, the budget kept, jitter not cached', async () => {
    const epochs = [[0, 1], [3, 0], [1, 3]].map((b) => Int32Array.from(b));
    const batchesOf = async (cache: DecodedImageCache | undefined, workers: number, jitter = false) => {
      const transforms = T({ shortSides: [40, 64], flip: true, ...(jitter ? { jitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2 } } : {}) });
      const out: number[][] = [];
      for (let epoch = 0; epoch < 3; epoch++) {
        const p = new BatchProducer(records, [epochs[epoch], epochs[(epoch + 1) % 3]], { transforms, workers, cache, prefetch: 1 }, new Rng(epoch));
        for await (const b of p) out.push([...b.shape, ...Array.from(b.images)]);
      }
      return out;
    };
    const plain = await batchesOf(undefined, 0);
    for (const workers of [0, 2]) {
      const cache = new DecodedImageCache();
      expect(await batchesOf(cache, workers)).toEqual(plain);
      expect(cache.size).toBe(3); // images 0, 1, 3 (decoded pixels: 64x48, 30x40 after EXIF rotation, 50x40)
      expect(cache.bytes()).toBe(3 * (64 * 48 + 30 * 40 + 50 * 40));
      expect(cache.hits).toBe(12 - 3); // 12 decodes over the three epochs, 3 of them the first of their image
      // the pixels held are the file's as decoded (the rotated grey image's right half is white)
      const rot = cache.get(records[1].file)!;
      expect([rot.width, rot.height, rot.data[3 * (10 * 30 + 25)], rot.data[3 * (10 * 30 + 5)]]).toEqual([30, 40, 255, 0]);
    }
    const small = new DecodedImageCache(64 * 48 * 3 + 50 * 40 * 3); // room for two of the three
    expect(await batchesOf(small, 0)).toEqual(plain);
    expect(small.size).toBe(2);
    expect(small.bytes()).toBeLessThanOrEqual(small.maxBytes);
    const jittered = new DecodedImageCache();
    expect(await batchesOf(jittered, 0, true)).toEqual(await batchesOf(undefined, 0, true));
    expect(jittered.size).toBe(0); // libvips jitters while decoding: nothing to keep
  });

  test('a bad image is reported and skipped, with a count; same seed → same batches', async () => {
    const skips: string[] = [];
    const run = async () => {
      const p = new BatchProducer(records, aspectGroupedBatches(records, 2, new Rng(5)), { transforms: T({ shortSides: [32, 48], flip: true }), prefetch: 1, concurrency: 2, onSkip: (f) => skips.push(f) }, new Rng(9));
      const out = [];
      for await (const b of p) out.push({ shape: b.shape, metas: b.metas.map((m) => [m.imageId, m.flipped, m.geometry.height]) });
      return { out, skipped: p.skipped };
    };
    const a = await run();
    expect(a.skipped).toEqual([{ file: path.join(dir, 'bad.jpg'), message: expect.stringMatching(/^cannot decode image .*bad\.jpg/) }]);
    expect(a.out.flatMap((b) => b.metas.map((m) => m[0])).sort()).toEqual([1, 2, 4]);
    expect(await run()).toEqual(a);
    expect(skips).toHaveLength(2);
  });
});
