import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import sharp from 'sharp';
import { Rng } from '../../engine/rng';
import {
  DatasetError,
  epochBatches,
  loadCifar10,
  loadFashionMnist,
  loadImageFolder,
  makeBatch,
  makeBatchSync,
  openClassificationDataset,
  preprocessImagenet,
} from '../../datasets/classification';
import { inMemoryDataset } from '../../datasets/classification/in_memory';
import { orientedSize } from '../../datasets/classification/decode';
import { pyRound, resizedSize } from '../../datasets/classification/imagenet_preprocess';
import { FASHION_MNIST_DIR, requires } from '../helpers/requirements';

const FM = FASHION_MNIST_DIR;
const itFm = requires('fashion-mnist').it;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-cls-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function mkdir(...parts: string[]): string {
  const d = path.join(tmp, ...parts);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

describe('Fashion-MNIST', () => {
  itFm('reads the real train and test splits', () => {
    const test = loadFashionMnist({ split: 'test' });
    expect(test.size).toBe(10000);
    expect(test.imageShape).toEqual([28, 28, 1]);
    expect(test.classNames[0]).toBe('T-shirt/top');
    expect(test.classNames[9]).toBe('Ankle boot');
    // independent read: gunzip directly, skip the IDX headers (8 bytes labels, 16 bytes images)
    const rawLabels = zlib.gunzipSync(fs.readFileSync(path.join(FM, 't10k-labels-idx1-ubyte.gz')));
    const rawImages = zlib.gunzipSync(fs.readFileSync(path.join(FM, 't10k-images-idx3-ubyte.gz')));
    for (const i of [0, 1, 2, 3, 9999]) {
      expect(test.label(i)).toBe(rawLabels[8 + i]);
      expect(Buffer.from(test.image(i)).equals(rawImages.subarray(16 + i * 784, 16 + (i + 1) * 784))).toBe(true);
    }
    expect([0, 1, 2, 3, 4].map((i) => test.label(i))).toEqual([9, 2, 1, 1, 6]);
    let min = 255;
    let max = 0;
    for (let i = 0; i < 100; i++) for (const v of test.image(i)) (min = Math.min(min, v)), (max = Math.max(max, v));
    expect(min).toBe(0);
    expect(max).toBe(255);

    const train = loadFashionMnist({ split: 'train' });
    expect(train.size).toBe(60000);
    expect([0, 1, 2, 3, 4].map((i) => train.label(i))).toEqual([9, 0, 0, 3, 0]);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < train.size; i++) counts[train.label(i)]++;
    expect(counts).toEqual(new Array(10).fill(6000));
  });

  itFm('honours limit', () => {
    const ds = loadFashionMnist({ dir: FM, split: 'test', limit: 5 });
    expect(ds.size).toBe(5);
    expect(() => ds.image(5)).toThrow(RangeError);
  });

  it('suggests installing the package when the folder has no data', () => {
    const empty = mkdir('fm-empty');
    expect(() => loadFashionMnist({ dir: empty, split: 'train' })).toThrow(/no data in .*fm-empty.*apt-get install dataset-fashion-mnist.*--data DIR/);
  });

  it('names the file that is truncated or has a wrong magic number', () => {
    const labels = Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 3]), Buffer.from([1, 2, 3])]);
    const images = Buffer.concat([Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28]), Buffer.alloc(3 * 784, 7)]);
    const ok = mkdir('fm-ok');
    fs.writeFileSync(path.join(ok, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
    fs.writeFileSync(path.join(ok, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(images));
    const ds = loadFashionMnist({ dir: ok, split: 'test' });
    expect(ds.size).toBe(3);
    expect(ds.label(2)).toBe(3);

    const trunc = mkdir('fm-trunc');
    const gz = zlib.gzipSync(images);
    fs.writeFileSync(path.join(trunc, 't10k-images-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1));
    fs.writeFileSync(path.join(trunc, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
    expect(() => loadFashionMnist({ dir: trunc, split: 'test' })).toThrow(/fm-trunc\/t10k-images-idx3-ubyte\.gz is not a valid gzip file/);

    const magic = mkdir('fm-magic');
    fs.writeFileSync(path.join(magic, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(images));
    fs.writeFileSync(path.join(magic, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(images)); // images where labels belong
    expect(() => loadFashionMnist({ dir: magic, split: 'test' })).toThrow(/fm-magic\/t10k-labels-idx1-ubyte\.gz has wrong magic number 0x00000803/);

    const short = mkdir('fm-short');
    fs.writeFileSync(path.join(short, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(images.subarray(0, images.length - 10)));
    fs.writeFileSync(path.join(short, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
    expect(() => loadFashionMnist({ dir: short, split: 'test' })).toThrow(/t10k-images-idx3-ubyte\.gz holds \d+ data bytes/);

    fs.rmSync(path.join(short, 't10k-labels-idx1-ubyte.gz'));
    expect(() => loadFashionMnist({ dir: short, split: 'test' })).toThrow(/missing .*fm-short\/t10k-labels-idx1-ubyte\.gz/);
  });
});

describe('CIFAR-10 binary', () => {
  /** record r: label r % 10, pixel (c, y, x) = (r * 7 + c * 50 + y * 3 + x) & 255 */
  const value = (r: number, c: number, y: number, x: number) => (r * 7 + c * 50 + y * 3 + x) & 255;
  function fakeBatch(records: number, first = 0): Buffer {
    const buf = Buffer.alloc(records * 3073);
    for (let r = 0; r < records; r++) {
      buf[r * 3073] = (first + r) % 10;
      for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
        buf[r * 3073 + 1 + c * 1024 + y * 32 + x] = value(first + r, c, y, x);
      }
    }
    return buf;
  }

  it('round-trips records into HWC, from the cifar-10-batches-bin sub-folder', () => {
    const sub = mkdir('cifar', 'cifar-10-batches-bin');
    fs.writeFileSync(path.join(sub, 'test_batch.bin'), fakeBatch(3));
    for (let b = 1; b <= 5; b++) fs.writeFileSync(path.join(sub, `data_batch_${b}.bin`), fakeBatch(2, (b - 1) * 2));
    const test = loadCifar10({ dir: path.join(tmp, 'cifar'), split: 'test' });
    expect(test.size).toBe(3);
    expect(test.imageShape).toEqual([32, 32, 3]);
    expect(test.classNames[0]).toBe('airplane');
    for (let r = 0; r < 3; r++) {
      expect(test.label(r)).toBe(r);
      const img = test.image(r);
      for (const [y, x] of [[0, 0], [5, 17], [31, 31]]) {
        for (let c = 0; c < 3; c++) expect(img[(y * 32 + x) * 3 + c]).toBe(value(r, c, y, x));
      }
    }
    const train = loadCifar10({ dir: sub, split: 'train', limit: 7 });
    expect(train.size).toBe(7);
    expect(train.label(6)).toBe(6);
    expect(train.image(6)[3 * (2 * 32 + 1) + 2]).toBe(value(6, 2, 2, 1));

    fs.writeFileSync(path.join(sub, 'batches.meta.txt'), 'a\nb\nc\n\n');
    expect(loadCifar10({ dir: sub, split: 'test' }).classNames).toEqual(['a', 'b', 'c']);
    fs.writeFileSync(path.join(sub, 'batches.meta.txt'), 'a\nb\n');
    expect(() => loadCifar10({ dir: sub, split: 'test' })).toThrow(/test_batch\.bin record 2 has label 2, but there are 2 classes/);
  });

  it('reports missing and corrupt files by name', () => {
    const d = mkdir('cifar-bad');
    expect(() => loadCifar10({ dir: d, split: 'test' })).toThrow(/no data in .*cifar-bad/);
    fs.writeFileSync(path.join(d, 'test_batch.bin'), fakeBatch(2).subarray(0, 5000));
    expect(() => loadCifar10({ dir: d, split: 'test' })).toThrow(/cifar-bad\/test_batch\.bin is 5000 bytes/);
    expect(() => loadCifar10({ dir: d, split: 'train' })).toThrow(/missing .*cifar-bad\/data_batch_1\.bin/);
  });
});

describe('image folder', () => {
  let root: string;
  beforeAll(async () => {
    root = mkdir('folder');
    mkdir('folder', 'cat');
    mkdir('folder', 'dog');
    await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 200, g: 10, b: 30 } } })
      .png()
      .toFile(path.join(root, 'cat', 'a.png'));
    await sharp(Buffer.alloc(16 * 16, 90), { raw: { width: 16, height: 16, channels: 1 } })
      .png()
      .toFile(path.join(root, 'dog', 'grey.png'));
    await sharp({ create: { width: 10, height: 10, channels: 4, background: { r: 100, g: 150, b: 200, alpha: 0.5 } } })
      .png()
      .toFile(path.join(root, 'dog', 'rgba.png'));
    fs.writeFileSync(path.join(root, 'dog', 'zbad.png'), Buffer.from('this is not a png at all'));
    fs.writeFileSync(path.join(root, 'dog', 'notes.txt'), 'ignored');
  });

  it('decodes, converts to RGB and resizes; names a corrupt file', async () => {
    const ds = await loadImageFolder({ dir: root, imageSize: 8 });
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.size).toBe(4);
    expect(ds.imageShape).toEqual([8, 8, 3]);
    expect([0, 1, 2, 3].map((i) => ds.label(i))).toEqual([0, 1, 1, 1]);
    const red = await ds.image(0);
    expect(red.length).toBe(8 * 8 * 3);
    expect(Array.from(red.subarray(0, 3))).toEqual([200, 10, 30]);
    const grey = await ds.image(1);
    expect(Array.from(grey.subarray(27, 30))).toEqual([90, 90, 90]);
    const rgba = await ds.image(2); // alpha dropped, colour kept (up to premultiplied-resize rounding)
    [100, 150, 200].forEach((v, c) => expect(Math.abs(rgba[c] - v)).toBeLessThanOrEqual(1));
    await expect(ds.image(3)).rejects.toThrow(/cannot decode image .*dog\/zbad\.png/);
    await expect(makeBatch(ds, [0, 3], { mean: [0], std: [1] })).rejects.toThrow(/zbad\.png/);
    const b = await makeBatch(ds, [0, 1], { mean: [0], std: [1] });
    expect(b.shape).toEqual([2, 8, 8, 3]);
    expect(b.images[0]).toBeCloseTo(200 / 255, 6);
    expect(() => makeBatchSync(ds, [0], { mean: [0], std: [1] })).toThrow(/asynchronously/);
  });

  it('takes a class-balanced subset with limit, and its size from the first image by default', async () => {
    const ds = await loadImageFolder({ dir: root, limit: 2 });
    expect(ds.size).toBe(2);
    expect([ds.label(0), ds.label(1)]).toEqual([0, 1]);
    expect(ds.imageShape).toEqual([20, 40, 3]);
  });

  it('applies EXIF orientation', async () => {
    const f = path.join(mkdir('exif'), 'r.jpg');
    await sharp({ create: { width: 30, height: 10, channels: 3, background: 'white' } }).jpeg().withMetadata({ orientation: 6 }).toFile(f);
    expect(await orientedSize(f)).toEqual({ width: 10, height: 30 });
    expect(await orientedSize(f, false)).toEqual({ width: 30, height: 10 });
  });
});

describe('openClassificationDataset', () => {
  it('gives errors that name the path', async () => {
    await expect(openClassificationDataset({ name: 'cifar10', dir: '/nonexistent/cifar', split: 'train' })).rejects.toThrow(
      /\/nonexistent\/cifar does not exist/,
    );
    await expect(openClassificationDataset({ name: 'fashion-mnist', dir: '/nonexistent/fm', split: 'train' })).rejects.toThrow(
      /apt-get install dataset-fashion-mnist/,
    );
    await expect(openClassificationDataset({ name: 'cifar10', split: 'train' })).rejects.toThrow(/--data DIR/);
    const empty = mkdir('open-empty');
    await expect(openClassificationDataset({ name: 'folder', dir: empty, split: 'train' })).rejects.toThrow(DatasetError);
    await expect(openClassificationDataset({ name: 'folder', dir: empty, split: 'train' })).rejects.toThrow(/open-empty has no class sub-folders/);
  });

  it('uses dir/<split> for folders and keeps class indices across splits', async () => {
    const d = mkdir('split-folder');
    for (const [split, cls] of [['train', 'a'], ['train', 'b'], ['test', 'b']]) {
      await sharp({ create: { width: 4, height: 4, channels: 3, background: 'black' } }).png().toFile(path.join(mkdir('split-folder', split, cls), 'x.png'));
    }
    const test = await openClassificationDataset({ name: 'folder', dir: d, split: 'test', imageSize: 4 });
    expect(test.classNames).toEqual(['a', 'b']);
    expect(test.size).toBe(1);
    expect(test.label(0)).toBe(1);
  });
});

describe('batches and augmentation', () => {
  // 2 items of 4x5x2: channel 0 = y*10 + x, channel 1 = 100 + item
  const H = 4;
  const W = 5;
  const pixels = new Uint8Array(2 * H * W * 2);
  for (let i = 0; i < 2; i++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    pixels[((i * H + y) * W + x) * 2] = y * 10 + x;
    pixels[((i * H + y) * W + x) * 2 + 1] = 100 + i;
  }
  const ds = inMemoryDataset('toy', ['p', 'q'], [H, W, 2], pixels, new Uint8Array([1, 0]));
  const id = { mean: [0], std: [1 / 255] }; // output = raw pixel value

  it('normalises per channel', () => {
    const b = makeBatchSync(ds, [1, 0], { mean: [0.5, 0.25], std: [0.5, 0.25] });
    expect(b.shape).toEqual([2, H, W, 2]);
    expect(Array.from(b.labels)).toEqual([0, 1]);
    expect(b.images[0]).toBeCloseTo((0 / 255 - 0.5) / 0.5, 6);
    expect(b.images[1]).toBeCloseTo((101 / 255 - 0.25) / 0.25, 6);
    const last = (H * W - 1) * 2;
    expect(b.images[last]).toBeCloseTo((34 / 255 - 0.5) / 0.5, 6);
    expect(() => makeBatchSync(ds, [0], { mean: [0, 0, 0], std: [1, 1, 1] })).toThrow(/3 values for 2 channels/);
    expect(() => makeBatchSync(ds, [0], { ...id, augment: { flip: true } })).toThrow(/needs an rng/);
  });

  it('flip mirrors and pad-crop shifts with zero fill, keeping the shape', () => {
    const rng = new Rng(1);
    let flipped = 0;
    let kept = 0;
    for (let t = 0; t < 40; t++) {
      const b = makeBatchSync(ds, [0], { ...id, augment: { flip: true }, rng });
      const v = (y: number, x: number) => Math.round(b.images[(y * W + x) * 2]);
      const mirrored = v(0, 0) === 4 && v(3, 4) === 30 && v(2, 1) === 23;
      const same = v(0, 0) === 0 && v(3, 4) === 34 && v(2, 1) === 21;
      expect(mirrored || same).toBe(true);
      if (mirrored) flipped++;
      else kept++;
    }
    expect(flipped).toBeGreaterThan(5);
    expect(kept).toBeGreaterThan(5);

    const shifts = new Set<string>();
    for (let t = 0; t < 60; t++) {
      const b = makeBatchSync(ds, [0], { ...id, augment: { padCrop: 2 }, rng });
      expect(b.images.length).toBe(H * W * 2);
      // find the shift (dy, dx) in [-2, 2] that explains the output
      let found = '';
      for (let dy = -2; dy <= 2 && !found; dy++) for (let dx = -2; dx <= 2 && !found; dx++) {
        let ok = true;
        for (let y = 0; y < H && ok; y++) for (let x = 0; x < W && ok; x++) {
          const sy = y + dy;
          const sx = x + dx;
          const inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
          const o = (y * W + x) * 2;
          const [v0, v1] = [Math.round(b.images[o]), Math.round(b.images[o + 1])];
          ok = inside ? v0 === sy * 10 + sx && v1 === 100 : b.images[o] === 0 && b.images[o + 1] === 0;
        }
        if (ok) found = `${dy},${dx}`;
      }
      expect(found).not.toBe('');
      shifts.add(found);
    }
    expect(shifts.size).toBeGreaterThan(10);
  });

  it('is deterministic for a seed and differs for another', async () => {
    const aug = { padCrop: 4, flip: true };
    const run = (seed: number) => makeBatch(ds, [0, 1, 0, 1, 0, 1, 0, 1], { ...id, augment: aug, rng: new Rng(seed) });
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(c.images.buffer))).toBe(false);
  });

  it('epochBatches covers every index once', () => {
    const bs = epochBatches(10, 3, new Rng(3));
    expect(bs.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(Array.from(bs.flatMap((b) => Array.from(b))).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochBatches(10, 3, new Rng(3), { dropLast: true }).length).toBe(3);
    expect(Array.from(epochBatches(5, 2, null)[2])).toEqual([4]);
    const again = epochBatches(10, 3, new Rng(3));
    expect(again.map((b) => Array.from(b))).toEqual(bs.map((b) => Array.from(b)));
  });
});

describe('Rng', () => {
  it('round-trips its state and stays in range', () => {
    const r = new Rng(42);
    for (let i = 0; i < 5; i++) r.next();
    const saved = JSON.parse(JSON.stringify(r.state()));
    const a = Array.from({ length: 10 }, () => r.next());
    const r2 = Rng.fromState(saved);
    expect(Array.from({ length: 10 }, () => r2.next())).toEqual(a);
    expect(new Rng(42).next()).toBe(new Rng(42).next());
    expect(new Rng(42).next()).not.toBe(new Rng(43).next());
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 5000; i++) {
      const f = r.next();
      expect(f >= 0 && f < 1).toBe(true);
      counts[r.int(5)]++;
    }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    const p = Array.from(r.permutation(50)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/4 uint32/);
  });
});

describe('ImageNet preprocessing', () => {
  it('matches torchvision sizes and normalises', async () => {
    expect(resizedSize(500, 375, 256)).toEqual({ width: 341, height: 256 });
    expect(resizedSize(200, 301, 256)).toEqual({ width: 256, height: 385 });
    expect([pyRound(0.5), pyRound(1.5), pyRound(2.5), pyRound(58.5), pyRound(3.2)]).toEqual([0, 2, 2, 58, 3]);
    const f = path.join(mkdir('inet'), 'u.png');
    await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 255, g: 128, b: 0 } } }).png().toFile(f);
    const out = await preprocessImagenet(f);
    expect(out.shape).toEqual([224, 224, 3]);
    expect(out.data.length).toBe(224 * 224 * 3);
    const mid = (112 * 224 + 112) * 3;
    expect(out.data[mid]).toBeCloseTo((1 - 0.485) / 0.229, 4);
    expect(out.data[mid + 1]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 4);
    expect(out.data[mid + 2]).toBeCloseTo((0 - 0.406) / 0.225, 4);
  });

  it('ships the 1000 class names', () => {
    const names = JSON.parse(fs.readFileSync(path.join(__dirname, '../../backbone/imagenet_classes.json'), 'utf8'));
    expect(names.length).toBe(1000);
    expect(names[0]).toBe('tench');
    expect(names[999]).toBe('toilet tissue');
    expect(new Set(names).size).toBeGreaterThan(990);
  });
});
