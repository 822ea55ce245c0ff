/**
 * Assembling a normalised NHWC float batch from dataset items, with the ResNet paper's CIFAR
 * augmentation: pad 4 pixels on each side, take a random HxW crop, flip horizontally with p = 0.5.
 * Padding is zero in the normalised output (the paper pads the mean-subtracted image), i.e. the pad
 * pixels equal the dataset mean.
 */
import { Rng } from '../../engine/rng';
import { ClassificationDataset } from './types';

export interface Augment {
  /** pad this many pixels on each side, then crop back to HxW at a random offset */
  padCrop?: number;
  /** mirror left-right with probability 0.5 */
  flip?: boolean;
}

export interface BatchOptions {
  augment?: Augment;
  /** per-channel mean and std on the [0, 1] pixel scale (length C, or 1 for all channels) */
  mean: number[];
  std: number[];
  /** needed when augmenting */
  rng?: Rng;
}

export interface Batch {
  /** N*H*W*C, (pixel/255 - mean[c]) / std[c] */
  images: Float32Array;
  labels: Int32Array;
  /** [N, H, W, C] */
  shape: [number, number, number, number];
}

function perChannel(v: number[], c: number, what: string): Float32Array {
  if (v.length !== c && v.length !== 1) throw new Error(`makeBatch: ${what} has ${v.length} values for ${c} channels`);
  return Float32Array.from({ length: c }, (_, i) => v[v.length === 1 ? 0 : i]);
}

/**
 * Write one item into out at offset. The random draws per item are, in order: crop dy, crop dx (when
 * padCrop > 0), then flip (when flip) — a fixed order so a seed reproduces a batch exactly.
 */
export function writeItem(
  px: Uint8Array, shape: [number, number, number], out: Float32Array, offset: number,
  scale: Float32Array, bias: Float32Array, augment: Augment | undefined, rng: Rng | undefined,
): void {
  const [h, w, c] = shape;
  const pad = augment?.padCrop ?? 0;
  let dy = 0;
  let dx = 0;
  let flip = false;
  if (pad > 0 || augment?.flip) {
    if (!rng) throw new Error('makeBatch: augmentation needs an rng');
    if (pad > 0) {
      dy = rng.int(2 * pad + 1) - pad;
      dx = rng.int(2 * pad + 1) - pad;
    }
    if (augment?.flip) flip = rng.next() < 0.5;
  }
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    for (let x = 0; x < w; x++) {
      const o = offset + (y * w + x) * c;
      const cx = x + dx; // column in the (shifted) source, before mirroring the output
      const sx = flip ? w - 1 - cx : cx;
      if (sy < 0 || sy >= h || cx < 0 || cx >= w) {
        out.fill(0, o, o + c);
        continue;
      }
      const s = (sy * w + sx) * c;
      for (let k = 0; k < c; k++) out[o + k] = px[s + k] * scale[k] + bias[k];
    }
  }
}

function prepare(ds: ClassificationDataset, opts: BatchOptions) {
  const [h, w, c] = ds.imageShape;
  const mean = perChannel(opts.mean, c, 'mean');
  const std = perChannel(opts.std, c, 'std');
  if (std.some((s) => !(s > 0))) throw new Error(`makeBatch: std must be positive, got [${opts.std}]`);
  const pad = opts.augment?.padCrop ?? 0;
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`makeBatch: padCrop must be a non-negative integer, got ${pad}`);
  // (p/255 - m)/s = p * (1/(255 s)) + (-m/s)
  const scale = Float32Array.from(std, (s) => 1 / (255 * s));
  const bias = Float32Array.from(mean, (m, i) => -m / std[i]);
  return { item: h * w * c, scale, bias };
}

function assemble(ds: ClassificationDataset, indices: ArrayLike<number>, pixels: Uint8Array[], opts: BatchOptions): Batch {
  const { item, scale, bias } = prepare(ds, opts);
  const n = indices.length;
  const images = new Float32Array(n * item);
  const labels = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    if (pixels[b].length !== item) {
      throw new Error(`${ds.name}: item ${indices[b]} has ${pixels[b].length} bytes, expected ${item} for shape [${ds.imageShape}]`);
    }
    writeItem(pixels[b], ds.imageShape, images, b * item, scale, bias, opts.augment, opts.rng);
    labels[b] = ds.label(indices[b]);
  }
  return { images, labels, shape: [n, ...ds.imageShape] };
}

/** A batch from any dataset (image folders decode in parallel). */
export async function makeBatch(ds: ClassificationDataset, indices: ArrayLike<number>, opts: BatchOptions): Promise<Batch> {
  prepare(ds, opts); // validate before decoding anything
  const pixels = await Promise.all(Array.from(indices, (i) => ds.image(i)));
  return assemble(ds, indices, pixels, opts);
}

/** A batch from an in-memory dataset, synchronously; throws if an item is only available asynchronously. */
export function makeBatchSync(ds: ClassificationDataset, indices: ArrayLike<number>, opts: BatchOptions): Batch {
  const pixels = Array.from(indices, (i) => {
    const p = ds.image(i);
    if (!(p instanceof Uint8Array)) throw new Error(`makeBatchSync: ${ds.name} loads images asynchronously; use makeBatch`);
    return p;
  });
  return assemble(ds, indices, pixels, opts);
}
