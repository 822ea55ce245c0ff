/**
 * A detection batch as plain arrays: images NHWC float32, padded to a multiple of 32 (zeros, i.e. the mean
 * pixel after normalisation), and per image everything needed to map predictions back to original pixels.
 * The trainer turns it into tensors.
 */
import { DatasetRecord } from '../record';
import { padTo, ResizeGeometry, transformBoxes } from './geometry';
import { Normalization, normalizationLut } from './normalize';
import { ImagePlan } from './transforms';

export const SIZE_DIVISIBILITY = 32;

export interface ImageMeta {
  /** position of the record in the dataset */
  index: number;
  imageId: number;
  file: string;
  originalWidth: number;
  originalHeight: number;
  /** true size in the batch (top-left corner; the rest is padding) and the exact factors applied */
  geometry: ResizeGeometry;
  flipped: boolean;
  /** training targets in batch pixels: N*4 [x1, y1, x2, y2] and labels (crowd, and difficult unless asked, left out) */
  boxes: Float32Array;
  labels: Int32Array;
  /** crowd regions in batch pixels (anchors and proposals on them are ignored, not negatives) */
  crowdBoxes: Float32Array;
}

export interface Batch {
  /** N * H * W * 3 */
  images: Float32Array;
  /** [N, H, W, 3]; H and W multiples of 32 */
  shape: [number, number, number, number];
  metas: ImageMeta[];
}

/** The record's objects through the plan: targets, and crowd regions kept aside. */
export function targetsFor(r: DatasetRecord, plan: ImagePlan, includeDifficult = false): Pick<ImageMeta, 'boxes' | 'labels' | 'crowdBoxes'> {
  const t: number[] = [];
  const c: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < r.labels.length; i++) {
    const box = Array.from(r.boxes.subarray(4 * i, 4 * i + 4));
    if (r.crowd[i]) c.push(...box);
    else if (!r.difficult[i] || includeDifficult) {
      t.push(...box);
      labels.push(r.labels[i]);
    }
  }
  return {
    boxes: transformBoxes(t, plan.geometry, plan.flip),
    labels: Int32Array.from(labels),
    crowdBoxes: transformBoxes(c, plan.geometry, plan.flip),
  };
}

/** The padded size of a batch of planned images: the largest planned size, rounded up to a multiple of 32. */
export function batchLayout(plans: ImagePlan[]): { height: number; width: number } {
  return {
    height: padTo(Math.max(...plans.map((p) => p.geometry.height)), SIZE_DIVISIBILITY),
    width: padTo(Math.max(...plans.map((p) => p.geometry.width)), SIZE_DIVISIBILITY),
  };
}

/** Normalisation as the decoders want it: a lookup table by source channel, and scale/bias by output channel. */
export function normalizationParams(norm: Normalization): { lut: Float32Array; scale: number[]; bias: number[]; bgr: boolean } {
  return { lut: normalizationLut(norm), scale: norm.std.map((s) => 1 / s), bias: norm.mean.map((m, c) => -m / norm.std[c]), bgr: norm.order === 'bgr' };
}

export function imageMeta(index: number, r: DatasetRecord, plan: ImagePlan, includeDifficult = false): ImageMeta {
  return {
    index, imageId: r.imageId, file: r.file, originalWidth: r.width, originalHeight: r.height,
    geometry: plan.geometry, flipped: plan.flip, ...targetsFor(r, plan, includeDifficult),
  };
}

/**
 * Zeroes the padding of image slot k (rows below h, and columns right of w) in an N x H x W x 3 batch whose
 * storage is reused: the decoders write only the h x w image.
 */
export function zeroPadding(images: Float32Array, k: number, H: number, W: number, h: number, w: number): void {
  const base = k * H * W * 3;
  if (w < W) for (let y = 0; y < h; y++) images.fill(0, base + (y * W + w) * 3, base + (y + 1) * W * 3);
  if (h < H) images.fill(0, base + h * W * 3, base + H * W * 3);
}

/** Keeps the listed image slots of an N x H x W x 3 buffer (images that failed to decode are left out). */
export function keepSlots(images: Float32Array, perImage: number, slots: number[]): Float32Array {
  const out = new Float32Array(slots.length * perImage);
  slots.forEach((s, k) => out.set(images.subarray(s * perImage, (s + 1) * perImage), k * perImage));
  return out;
}
