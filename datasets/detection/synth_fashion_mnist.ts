/**
 * A detection dataset from Fashion-MNIST (Debian's dataset-fashion-mnist): 160x160 canvases with 2-5 items
 * pasted at random scales (18-100 px, small to large) and places on a dim textured background, each item
 * tinted with a random colour. Training canvases take items from Fashion-MNIST's train split, evaluation
 * canvases from its test split, so no item is seen in both. 10 classes, category ids 1..10 in
 * FASHION_MNIST_CLASSES order. Boxes are the tight boxes of the item pixels that show (> 1/8 of full intensity).
 */
import { Rng } from '../../engine/rng';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, loadFashionMnist } from '../classification/fashion_mnist';
import { InMemoryClassificationDataset } from '../classification/types';
import { WriteReport } from './convert';
import { SynthImage, SynthOptions, writeSynthDataset } from './synth';
import { Canvas, imageRng, paintBackground, randomColour } from './synth_canvas';

export const FASHION_CANVAS = 160;

/** Bilinear sample of a 28x28 item at continuous position (u, v) in item pixels. */
function sample(px: Uint8Array, u: number, v: number): number {
  const x = Math.min(27, Math.max(0, u - 0.5));
  const y = Math.min(27, Math.max(0, v - 0.5));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(27, x0 + 1);
  const y1 = Math.min(27, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  return (px[y0 * 28 + x0] * (1 - fx) + px[y0 * 28 + x1] * fx) * (1 - fy) + (px[y1 * 28 + x0] * (1 - fx) + px[y1 * 28 + x1] * fx) * fy;
}

export function renderFashionCanvas(items: InMemoryClassificationDataset, rng: Rng): SynthImage {
  const canvas = new Canvas(FASHION_CANVAS, FASHION_CANVAS);
  paintBackground(canvas, rng, true);
  const want = 2 + rng.int(4);
  for (let placed = 0, tries = 0; placed < want && tries < 30; tries++) {
    const k = rng.int(items.size);
    const px = items.image(k);
    const side = Math.round(Math.exp(Math.log(18) + rng.next() * (Math.log(100) - Math.log(18))));
    const x0 = rng.int(FASHION_CANVAS - side + 1);
    const y0 = rng.int(FASHION_CANVAS - side + 1);
    const tint = randomColour(rng);
    const f = 28 / side;
    const cover = (x: number, y: number, rgb: Uint8Array): boolean => {
      const a = sample(px, (x - x0 + 0.5) * f, (y - y0 + 0.5) * f) / 255;
      if (a <= 0.125) return false;
      for (let c = 0; c < 3; c++) rgb[c] = Math.round(40 + a * (tint[c] - 40));
      return true;
    };
    if (canvas.place(items.label(k), x0, y0, x0 + side, y0 + side, cover)) placed++;
  }
  return { width: FASHION_CANVAS, height: FASHION_CANVAS, pixels: canvas.pixels, objects: canvas.objects() };
}

export function synthFashionMnist(opts: SynthOptions & { dir?: string }): Promise<WriteReport> {
  const split = opts.split ?? 'train';
  const items = loadFashionMnist({ dir: opts.dir ?? FASHION_MNIST_DIR, split: split === 'train' ? 'train' : 'test' });
  return writeSynthDataset(opts, `synth-fashion-mnist/${split}`, FASHION_MNIST_CLASSES, (i) => renderFashionCanvas(items, imageRng(opts.seed, split, i)));
}
