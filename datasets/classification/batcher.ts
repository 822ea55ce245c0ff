/**
 * Assembling a normalised NHWC float batch from dataset items, with the ResNet paper's CIFAR
 * augmentation: pad 4 pixels on each side, take a random HxW crop, flip horizontally with p = 0.5.
 * Padding is zero in the normalised output (the paper pads the mean-subtracted image), i.e. the pad
 * pixels equal the dataset mean.
 */
import { Rng } from '../../engine/rng';
import { Shard, shardPositions } from '../../engine/distributed/shard';
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
  /**
   * make only this process's share of `indices` (data-parallel training: engine/distributed/shard.ts); the
   * augmentation is still drawn for every item, in order, so each item is augmented as in the whole batch
   */
  shard?: Shard;
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

/** Where one item is cropped from and whether it is mirrored. */
export interface ItemDraw {
  dy: number;
  dx: number;
  flip: boolean;
}

/**
 * The random draws of one item, in order: crop dy, crop dx (when padCrop > 0), then flip (when flip) — a fixed
 * order so a seed reproduces a batch exactly.
 */
export function drawItem(augment: Augment | undefined, rng: Rng | undefined): ItemDraw {
  const pad = augment?.padCrop ?? 0;
  const d: ItemDraw = { dy: 0, dx: 0, flip: false };
  if (pad > 0 || augment?.flip) {
    if (!rng) throw new Error('makeBatch: augmentation needs an rng');
    if (pad > 0) {
      d.dy = rng.int(2 * pad + 1) - pad;
      d.dx = rng.int(2 * pad + 1) - pad;
    }
    if (augment?.flip) d.flip = rng.next() < 0.5;
  }
  return d;
}

/** Write one item into out at offset, shifted and mirrored as `draw` says (pixels shifted in are zero). */
export function writeItem(
  px: Uint8Array, shape: [number, number, number], out: Float32Array, offset: number,
  scale: Float32Array, bias: Float32Array, { dy, dx, flip }: ItemDraw,
): void {
  const [h, w, c] = shape;
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

/** The batch of `pixels` (the items at `positions` of `indices`), each written as its draw says. */
function assemble(ds: ClassificationDataset, indices: ArrayLike<number>, positions: number[], pixels: Uint8Array[], draws: ItemDraw[], opts: BatchOptions): Batch {
  const { item, scale, bias } = prepare(ds, opts);
  const n = positions.length;
  const images = new Float32Array(n * item);
  const labels = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    const index = indices[positions[b]];
    if (pixels[b].length !== item) {
      throw new Error(`${ds.name}: item ${index} has ${pixels[b].length} bytes, expected ${item} for shape [${ds.imageShape}]`);
    }
    writeItem(pixels[b], ds.imageShape, images, b * item, scale, bias, draws[positions[b]]);
    labels[b] = ds.label(index);
  }
  return { images, labels, shape: [n, ...ds.imageShape] };
}

/** Every item's draws (in order) and the positions of the items to make (all, or the shard's). */
function plan(indices: ArrayLike<number>, opts: BatchOptions): { draws: ItemDraw[]; positions: number[] } {
  const draws = Array.from(indices, () => drawItem(opts.augment, opts.rng));
  const positions = opts.shard ? shardPositions(indices.length, opts.shard) : draws.map((_, p) => p);
  return { draws, positions };
}

/** A batch from any dataset (image folders decode in parallel). */
export async function makeBatch(ds: ClassificationDataset, indices: ArrayLike<number>, opts: BatchOptions): Promise<Batch> {
  prepare(ds, opts); // validate before decoding anything
  const { draws, positions } = plan(indices, opts);
  const pixels = await Promise.all(positions.map((p) => ds.image(indices[p])));
  return assemble(ds, indices, positions, pixels, draws, opts);
}

/** A batch from an in-memory dataset, synchronously; throws if an item is only available asynchronously. */
export function makeBatchSync(ds: ClassificationDataset, indices: ArrayLike<number>, opts: BatchOptions): Batch {
  const { draws, positions } = plan(indices, opts);
  const pixels = positions.map((p) => {
    const px = ds.image(indices[p]);
    if (!(px instanceof Uint8Array)) throw new Error(`makeBatchSync: ${ds.name} loads images asynchronously; use makeBatch`);
    return px;
  });
  return assemble(ds, indices, positions, pixels, draws, opts);
}
