/**
 * A detection dataset resdet makes by itself, so the demo and tests need no download: coloured shapes on
 * textured backgrounds. Deterministic: a seed gives the same images and byte-identical annotations; image i
 * depends only on (seed, split, i). Class names and category ids are fixed whatever the seed:
 *   1 circle, 2 square, 3 triangle, 4 star
 * Sizes run from small (< 32² px) to large (> 96² px), 2-8 objects per image, objects may occlude each other
 * (every annotated object keeps at least half its pixels in view; its box is the tight box of what shows).
 * Images are written as real JPEG files (sharp, quality 90), in COCO or VOC layout (convert.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Rng } from '../../engine/rng';
import { DatasetError } from '../classification/types';
import { classMapFromNames, DatasetRecord, DetectionDataset, makeRecord } from './record';
import { writeDataset, WriteReport } from './convert';
import { Canvas, imageRng, paintBackground, randomColour } from './synth_canvas';
import { forEachLimit } from './validate';

export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'star'];
export const SHAPE_CATEGORY_IDS = [1, 2, 3, 4];

export interface SynthOptions {
  out: string;
  images: number;
  seed: number;
  format?: 'coco' | 'voc';
  split?: 'train' | 'val';
}

export interface SynthImage {
  width: number;
  height: number;
  /** RGB */
  pixels: Uint8Array;
  objects: { box: [number, number, number, number]; label: number }[];
}

/** Is (x, y) inside the star/triangle polygon? (even-odd rule) */
function inPolygon(px: number[], py: number[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = px.length - 1; i < px.length; j = i++) {
    if (py[i] > y !== py[j] > y && x < ((px[j] - px[i]) * (y - py[i])) / (py[j] - py[i]) + px[i]) inside = !inside;
  }
  return inside;
}

/** Point-in-shape test for a shape of class `label` with centre (cx, cy), half-size (rx, ry) and rotation. */
function shapeTest(label: number, cx: number, cy: number, rx: number, ry: number, rot: number): (x: number, y: number) => boolean {
  if (label === 0) return (x, y) => ((x + 0.5 - cx) / rx) ** 2 + ((y + 0.5 - cy) / ry) ** 2 <= 1;
  const pts: [number, number][] = [];
  if (label === 1) pts.push([-1, -1], [1, -1], [1, 1], [-1, 1]);
  else if (label === 2) pts.push([0, -1], [1, 1], [-1, 1]);
  else for (let k = 0; k < 10; k++) {
    const a = (k * Math.PI) / 5 - Math.PI / 2;
    const r = k % 2 ? 0.42 : 1;
    pts.push([r * Math.cos(a), r * Math.sin(a)]);
  }
  const c = Math.cos(rot);
  const s = Math.sin(rot);
  const px = pts.map(([u, v]) => cx + c * u * rx - s * v * ry);
  const py = pts.map(([u, v]) => cy + s * u * rx + c * v * ry);
  return (x, y) => inPolygon(px, py, x + 0.5, y + 0.5);
}

export function renderShapesImage(rng: Rng): SynthImage {
  const width = 256 + 32 * rng.int(5);
  const height = 256 + 32 * rng.int(5);
  const canvas = new Canvas(width, height);
  paintBackground(canvas, rng);
  const want = 2 + rng.int(7);
  const minSide = Math.min(width, height);
  for (let placed = 0, tries = 0; placed < want && tries < 40; tries++) {
    const label = rng.int(SHAPE_CLASSES.length);
    const size = Math.exp(Math.log(12) + rng.next() * (Math.log(0.6 * minSide) - Math.log(12)));
    const aspect = 0.8 + 0.45 * rng.next();
    const rx = (size * Math.sqrt(aspect)) / 2;
    const ry = size / Math.sqrt(aspect) / 2;
    const rot = label === 0 ? 0 : (rng.next() - 0.5) * 0.6;
    const r = Math.max(rx, ry) * 1.1;
    const cx = r + rng.next() * (width - 2 * r);
    const cy = r + rng.next() * (height - 2 * r);
    const colour = randomColour(rng);
    const shade = 0.75 + 0.25 * rng.next();
    const inside = shapeTest(label, cx, cy, rx, ry, rot);
    const cover = (x: number, y: number, rgb: Uint8Array): boolean => {
      if (!inside(x, y)) return false;
      const t = Math.min(1.15, 1 - (shade * (x - cx + y - cy)) / (4 * r)); // light shading so shapes are not flat
      for (let k = 0; k < 3; k++) rgb[k] = Math.max(0, Math.min(255, Math.round(colour[k] * t)));
      return true;
    };
    if (canvas.place(label, cx - r, cy - r, cx + r, cy + r, cover)) placed++;
  }
  return { width, height, pixels: canvas.pixels, objects: canvas.objects() };
}

/**
 * Writes N images made by `render(rng_i)` as JPEGs into the layout's image folder, then the annotations.
 * Image file names are <split>_<index>.jpg.
 */
export async function writeSynthDataset(
  opts: SynthOptions, name: string, classNames: string[], render: (i: number) => SynthImage | Promise<SynthImage>,
): Promise<WriteReport> {
  if (!Number.isInteger(opts.images) || opts.images < 1) throw new DatasetError(`synth: --images must be a positive integer, got ${opts.images}`);
  if (!Number.isFinite(opts.seed)) throw new DatasetError(`synth: --seed must be a number, got ${opts.seed}`);
  const format = opts.format ?? 'coco';
  const split = opts.split ?? 'train';
  const imageDir = format === 'coco' ? path.join(opts.out, split) : path.join(opts.out, 'JPEGImages');
  fs.mkdirSync(imageDir, { recursive: true });
  const records: DatasetRecord[] = new Array(opts.images);
  await forEachLimit(Array.from({ length: opts.images }, (_, i) => i), 4, async (i) => {
    const img = await render(i);
    const file = path.join(imageDir, `${split}_${String(i).padStart(6, '0')}.jpg`);
    await sharp(img.pixels, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
    records[i] = makeRecord({ imageId: i + 1, file, width: img.width, height: img.height, name: path.basename(file, '.jpg') }, img.objects);
  });
  const ds: DetectionDataset = { name, format, classes: classMapFromNames(classNames), records, problems: [] };
  return writeDataset(ds, opts.out, format, { split, imagesInPlace: true });
}

/** The coloured-shapes dataset. */
export function synthShapes(opts: SynthOptions): Promise<WriteReport> {
  const split = opts.split ?? 'train';
  return writeSynthDataset(opts, `synth-shapes/${split}`, SHAPE_CLASSES, (i) => renderShapesImage(imageRng(opts.seed, split, i)));
}
