/**
 * A detection batch as plain arrays: images NHWC float32, padded to a multiple of 32 (zeros, i.e. the mean
 * pixel after normalisation), and per image everything needed to map predictions back to original pixels.
 * The trainer turns it into tensors.
 */
import { DatasetRecord } from '../record';
import { padTo, ResizeGeometry, transformBoxes } from './geometry';
import { Normalization, normalizationLut, writeNormalized } from './normalize';
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

export interface DecodedItem {
  index: number;
  record: DatasetRecord;
  plan: ImagePlan;
  /** RGB uint8, plan.geometry.width x height */
  pixels: Uint8Array;
}

export function assembleBatch(items: DecodedItem[], norm: Normalization, includeDifficult = false): Batch {
  const H = padTo(Math.max(...items.map((it) => it.plan.geometry.height)), SIZE_DIVISIBILITY);
  const W = padTo(Math.max(...items.map((it) => it.plan.geometry.width)), SIZE_DIVISIBILITY);
  const images = new Float32Array(items.length * H * W * 3);
  const lut = normalizationLut(norm);
  const metas = items.map((it, b) => {
    const g = it.plan.geometry;
    writeNormalized(it.pixels, g.width, g.height, images, b * H * W * 3, W * 3, lut, norm.order === 'bgr');
    return {
      index: it.index, imageId: it.record.imageId, file: it.record.file,
      originalWidth: it.record.width, originalHeight: it.record.height,
      geometry: g, flipped: it.plan.flip, ...targetsFor(it.record, it.plan, includeDifficult),
    };
  });
  return { images, shape: [items.length, H, W, 3], metas };
}
