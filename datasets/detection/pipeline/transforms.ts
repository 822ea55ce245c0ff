/**
 * What happens to one image on its way into a batch, decided up front: the target size (one of the shorter
 * sides S, longer side at most M), the horizontal flip, and the photometric jitter. Randomness is drawn here,
 * synchronously and in a fixed order per image (scale, flip, brightness, contrast, saturation), so a seed
 * reproduces an epoch exactly no matter how decoding is scheduled. Test transforms draw nothing.
 */
import { Rng } from '../../../engine/rng';
import { DatasetRecord } from '../record';
import { resizedSize, torchResizedSize, ResizeGeometry } from './geometry';
import { NormalizationName } from './normalize';

export interface JitterOptions {
  /** factors drawn uniformly in [1 - x, 1 + x] */
  brightness: number;
  contrast: number;
  saturation: number;
}

export interface TransformOptions {
  /** shorter side(s) S; several = multi-scale training, one picked at random per image */
  shortSides: number[];
  /** longer side at most M */
  maxSize: number;
  /** random horizontal flip with p = 0.5 (training) */
  flip: boolean;
  /** photometric jitter (training, optional) */
  jitter?: JitterOptions;
  normalization: NormalizationName;
  /**
   * 'sharp' (default): resizedSize's rule, bilinear.ts enlarges, triangle.ts's antialiasing filter shrinks (the
   * name is historical: libvips shrank before); 'torch-bilinear':
   * torchvision's size rule (torchResizedSize) and bilinear.ts both ways, which is
   * F.interpolate(mode='bilinear', align_corners=False) without antialias
   */
  resize?: 'sharp' | 'torch-bilinear';
  /** keep VOC difficult objects as training targets (default false) */
  includeDifficult?: boolean;
}

export const TRAIN_TRANSFORMS: TransformOptions = { shortSides: [600], maxSize: 1000, flip: true, normalization: 'torchvision' };
export const TEST_TRANSFORMS: TransformOptions = { shortSides: [600], maxSize: 1000, flip: false, normalization: 'torchvision' };

export interface ImagePlan {
  geometry: ResizeGeometry;
  flip: boolean;
  jitter?: { brightness: number; contrast: number; saturation: number };
}

export function planImage(r: { width: number; height: number }, opts: TransformOptions, rng: Rng | null): ImagePlan {
  const random = rng !== null;
  if (opts.shortSides.length === 0) throw new Error('planImage: shortSides is empty');
  const s = opts.shortSides.length > 1 && random ? opts.shortSides[rng.int(opts.shortSides.length)] : opts.shortSides[0];
  const geometry = opts.resize === 'torch-bilinear' ? torchResizedSize(r.width, r.height, s, opts.maxSize) : resizedSize(r.width, r.height, s, opts.maxSize);
  const flip = opts.flip && random ? rng.next() < 0.5 : false;
  const plan: ImagePlan = { geometry, flip };
  if (opts.jitter && random) {
    const f = (x: number) => 1 - x + 2 * x * rng.next();
    plan.jitter = { brightness: f(opts.jitter.brightness), contrast: f(opts.jitter.contrast), saturation: f(opts.jitter.saturation) };
  }
  return plan;
}

/** Plans for a list of records (in order, so the draws are reproducible). */
export function planImages(records: DatasetRecord[], opts: TransformOptions, rng: Rng | null): ImagePlan[] {
  return records.map((r) => planImage(r, opts, rng));
}
