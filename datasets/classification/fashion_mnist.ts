/**
 * Fashion-MNIST from its gzip IDX files (Debian's dataset-fashion-mnist installs them under
 * /usr/share/datasets/fashion-mnist). Uncompressed files (same names without `.gz`) are accepted too.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { inMemoryDataset } from './in_memory';
import { checkLimit, DatasetError, InMemoryClassificationDataset } from './types';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};
const IMAGES_MAGIC = 0x00000803; // uint8, 3 dimensions
const LABELS_MAGIC = 0x00000801; // uint8, 1 dimension

export interface FashionMnistOptions {
  dir?: string;
  split: 'train' | 'test';
  limit?: number;
}

/** The path of `base` (gzip preferred, then raw) in dir, or null. */
function findFile(dir: string, base: string): string | null {
  for (const name of [`${base}.gz`, base]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

function readMaybeGzip(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new DatasetError(`Fashion-MNIST: cannot read ${file}: ${(e as Error).message}`);
  }
  if (!file.endsWith('.gz')) return raw;
  try {
    return zlib.gunzipSync(raw);
  } catch (e) {
    throw new DatasetError(`Fashion-MNIST: ${file} is not a valid gzip file (truncated or corrupt?): ${(e as Error).message}`);
  }
}

/** Parse an IDX file of uint8 data; returns its dims and data (a view into the buffer). */
export function parseIdx(buf: Buffer, file: string, magic: number): { dims: number[]; data: Uint8Array } {
  const ndim = magic & 0xff;
  const header = 4 + 4 * ndim;
  if (buf.length < header) throw new DatasetError(`Fashion-MNIST: ${file} is too short for an IDX header (${buf.length} bytes)`);
  const got = buf.readUInt32BE(0);
  if (got !== magic) {
    throw new DatasetError(
      `Fashion-MNIST: ${file} has wrong magic number 0x${got.toString(16).padStart(8, '0')} ` +
        `(expected 0x${magic.toString(16).padStart(8, '0')}); not an IDX ${ndim}-d uint8 file`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(buf.readUInt32BE(4 + 4 * d));
  const expected = dims.reduce((a, b) => a * b, 1);
  if (buf.length - header !== expected) {
    throw new DatasetError(
      `Fashion-MNIST: ${file} holds ${buf.length - header} data bytes but its header [${dims.join(', ')}] says ${expected} (truncated?)`,
    );
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, expected) };
}

export function loadFashionMnist(opts: FashionMnistOptions): InMemoryClassificationDataset {
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  const spec = FILES[opts.split];
  if (!spec) throw new DatasetError(`Fashion-MNIST: unknown split '${opts.split}' (train or test)`);
  const limit = checkLimit(opts.limit, 'Fashion-MNIST');
  const imagesFile = findFile(dir, spec.images);
  const labelsFile = findFile(dir, spec.labels);
  if (!imagesFile && !labelsFile) {
    const anyData = Object.values(FILES).some((f) => findFile(dir, f.images) || findFile(dir, f.labels));
    throw new DatasetError(
      anyData
        ? `Fashion-MNIST: ${dir} has no ${opts.split} split (${spec.images}.gz, ${spec.labels}.gz missing)`
        : `Fashion-MNIST: no data in ${dir} (expected ${spec.images}.gz and ${spec.labels}.gz). ` +
            `Install it with \`apt-get install dataset-fashion-mnist\` or point to a copy with \`--data DIR\`.`,
    );
  }
  if (!imagesFile) throw new DatasetError(`Fashion-MNIST: missing ${path.join(dir, spec.images + '.gz')}`);
  if (!labelsFile) throw new DatasetError(`Fashion-MNIST: missing ${path.join(dir, spec.labels + '.gz')}`);

  const images = parseIdx(readMaybeGzip(imagesFile), imagesFile, IMAGES_MAGIC);
  const labels = parseIdx(readMaybeGzip(labelsFile), labelsFile, LABELS_MAGIC);
  const [n, h, w] = images.dims;
  if (h !== 28 || w !== 28) throw new DatasetError(`Fashion-MNIST: ${imagesFile} has ${h}x${w} images, expected 28x28`);
  if (labels.dims[0] !== n) {
    throw new DatasetError(`Fashion-MNIST: ${imagesFile} has ${n} images but ${labelsFile} has ${labels.dims[0]} labels`);
  }
  const k = Math.min(n, limit);
  // Copy a limited subset so the full decompressed buffers can be freed.
  const lab = k < n ? labels.data.slice(0, k) : labels.data;
  const bad = lab.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new DatasetError(`Fashion-MNIST: ${labelsFile} label ${bad} is ${lab[bad]}, not a class in 0..9`);
  return inMemoryDataset(
    `fashion-mnist/${opts.split}`,
    FASHION_MNIST_CLASSES.slice(),
    [28, 28, 1],
    k < n ? images.data.slice(0, k * h * w) : images.data,
    lab,
  );
}
