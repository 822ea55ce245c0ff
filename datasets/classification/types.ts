/**
 * The classification data layer's one interface. Pure typed arrays: no tfjs here; the trainer turns
 * batches (see batcher.ts) into tensors.
 *
 * Sync vs async: in-memory sets (Fashion-MNIST, CIFAR-10) return pixels synchronously, as a view into
 * one big buffer; image folders decode files with sharp, which is async. Consumers that accept any
 * dataset (makeBatch) await the result; `await` of a plain value costs next to nothing.
 */
export interface ClassificationDataset {
  name: string;
  classNames: string[];
  /** number of items */
  size: number;
  /** [height, width, channels] of every item */
  imageShape: [number, number, number];
  /** raw uint8 HWC pixels of item i (h*w*c bytes). May be a view into shared storage: do not mutate. */
  image(i: number): Uint8Array | Promise<Uint8Array>;
  /** class index of item i, in [0, classNames.length) */
  label(i: number): number;
}

/** A dataset held in memory: pixels are available synchronously. */
export interface InMemoryClassificationDataset extends ClassificationDataset {
  image(i: number): Uint8Array;
}

/** Missing, unreadable or corrupt data. The message names the path and is fit to print before exiting. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

export function checkIndex(ds: { name: string; size: number }, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= ds.size) {
    throw new RangeError(`${ds.name}: index ${i} out of range [0, ${ds.size})`);
  }
}

/** Parse a `limit` option: undefined means everything; otherwise a positive integer. */
export function checkLimit(limit: number | undefined, what: string): number {
  if (limit === undefined) return Infinity;
  if (!Number.isInteger(limit) || limit < 1) throw new DatasetError(`${what}: limit must be a positive integer, got ${limit}`);
  return limit;
}
