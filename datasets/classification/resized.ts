/**
 * An in-memory classification dataset seen at another square size: every item is resampled bilinearly
 * (half-pixel centres, edges clamped — the convention of PIL's and torchvision's bilinear resize without
 * antialiasing) when it is asked for, so a 60,000-item Fashion-MNIST stays 47 MB in memory at any size.
 * Used to give ImageNet-style ResNets (stride 32) Fashion-MNIST items large enough that their last stage
 * sees more than one pixel (`data.imageSize` in a classification config).
 */
import { checkIndex, DatasetError, InMemoryClassificationDataset } from './types';

/** Bilinear resize of one HWC uint8 image to size x size, rounded to uint8. */
export function resizeBilinear(px: Uint8Array, h: number, w: number, c: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * c);
  const sy = h / size;
  const sx = w / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const ay = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const ax = fx - x0;
      for (let k = 0; k < c; k++) {
        const top = px[(y0 * w + x0) * c + k] * (1 - ax) + px[(y0 * w + x1) * c + k] * ax;
        const bottom = px[(y1 * w + x0) * c + k] * (1 - ax) + px[(y1 * w + x1) * c + k] * ax;
        out[(y * size + x) * c + k] = Math.round(top * (1 - ay) + bottom * ay);
      }
    }
  }
  return out;
}

/** `ds` with every item resized to size x size (the same dataset when it already has that size). */
export function resizedDataset(ds: InMemoryClassificationDataset, size: number): InMemoryClassificationDataset {
  if (!Number.isInteger(size) || size < 1) throw new DatasetError(`${ds.name}: image size must be a positive integer, got ${size}`);
  const [h, w, c] = ds.imageShape;
  if (h === size && w === size) return ds;
  const resized: InMemoryClassificationDataset = {
    name: `${ds.name}@${size}`,
    classNames: ds.classNames,
    size: ds.size,
    imageShape: [size, size, c],
    image(i) {
      checkIndex(resized, i);
      return resizeBilinear(ds.image(i), h, w, c, size);
    },
    label: (i) => ds.label(i),
  };
  return resized;
}
