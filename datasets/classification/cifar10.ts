/**
 * CIFAR-10 "binary version": data_batch_1..5.bin (train) and test_batch.bin (test), each a run of
 * 3073-byte records: 1 label byte, then 1024 red, 1024 green, 1024 blue bytes (CHW planes, row-major).
 * Records are converted to HWC on load. `dir` may be the extracted folder itself or its parent holding
 * `cifar-10-batches-bin/`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { inMemoryDataset } from './in_memory';
import { checkLimit, DatasetError, InMemoryClassificationDataset } from './types';

export const CIFAR10_CLASSES = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];
const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

export interface Cifar10Options {
  dir: string;
  split: 'train' | 'test';
  limit?: number;
}

/** The folder holding the batch files: dir itself or dir/cifar-10-batches-bin. */
export function resolveCifarDir(dir: string): string | null {
  for (const d of [dir, path.join(dir, 'cifar-10-batches-bin')]) {
    if ([...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].some((f) => fs.existsSync(path.join(d, f)))) return d;
  }
  return null;
}

function readClassNames(dir: string): string[] {
  const meta = path.join(dir, 'batches.meta.txt');
  if (!fs.existsSync(meta)) return CIFAR10_CLASSES.slice();
  const names = fs.readFileSync(meta, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (names.length === 0) throw new DatasetError(`CIFAR-10: ${meta} lists no class names`);
  return names;
}

/** Write record r of `buf` as HWC into out at item offset. */
function chwToHwc(buf: Uint8Array, r: number, out: Uint8Array, offset: number): void {
  const base = r * RECORD + 1;
  for (let p = 0; p < PLANE; p++) {
    const o = offset + 3 * p;
    out[o] = buf[base + p];
    out[o + 1] = buf[base + PLANE + p];
    out[o + 2] = buf[base + 2 * PLANE + p];
  }
}

export function loadCifar10(opts: Cifar10Options): InMemoryClassificationDataset {
  const dir = resolveCifarDir(opts.dir);
  if (!dir) {
    throw new DatasetError(
      `CIFAR-10: no data in ${opts.dir} (expected data_batch_1..5.bin / test_batch.bin, ` +
        `directly or in cifar-10-batches-bin/; get the "CIFAR-10 binary version" and pass its folder with --data DIR)`,
    );
  }
  const names = opts.split === 'train' ? CIFAR10_TRAIN_FILES : opts.split === 'test' ? CIFAR10_TEST_FILES : null;
  if (!names) throw new DatasetError(`CIFAR-10: unknown split '${opts.split}' (train or test)`);
  const limit = checkLimit(opts.limit, 'CIFAR-10');
  const classNames = readClassNames(dir);

  const chunks: Buffer[] = [];
  let total = 0;
  for (const name of names) {
    if (total >= limit) break;
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new DatasetError(`CIFAR-10: missing ${file} (needed for the ${opts.split} split)`);
    const buf = fs.readFileSync(file);
    if (buf.length === 0 || buf.length % RECORD !== 0) {
      throw new DatasetError(`CIFAR-10: ${file} is ${buf.length} bytes, not a whole number of ${RECORD}-byte records (truncated or not CIFAR-10 binary?)`);
    }
    chunks.push(buf);
    total += buf.length / RECORD;
  }
  const n = Math.min(total, limit);
  const pixels = new Uint8Array(n * 3 * PLANE);
  const labels = new Uint8Array(n);
  let i = 0;
  for (let c = 0; c < chunks.length && i < n; c++) {
    const buf = chunks[c];
    const records = buf.length / RECORD;
    for (let r = 0; r < records && i < n; r++, i++) {
      const label = buf[r * RECORD];
      if (label >= classNames.length) {
        throw new DatasetError(`CIFAR-10: ${path.join(dir, names[c])} record ${r} has label ${label}, but there are ${classNames.length} classes`);
      }
      labels[i] = label;
      chwToHwc(buf, r, pixels, i * 3 * PLANE);
    }
  }
  return inMemoryDataset(`cifar10/${opts.split}`, classNames, [SIDE, SIDE, 3], pixels, labels);
}
