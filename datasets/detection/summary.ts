/**
 * The statistics `resdet data check` prints: images, boxes per class, image sizes, boxes per image, and COCO's
 * small / medium / large split (area < 32², < 96², the rest; the COCO `area` field when present, else w·h).
 */
import { DetectionDataset } from './record';

export interface DatasetSummary {
  images: number;
  objects: number;
  perClass: { name: string; categoryId: number; boxes: number; crowd: number; difficult: number }[];
  imageWidth: { min: number; median: number; max: number };
  imageHeight: { min: number; median: number; max: number };
  boxesPerImage: { min: number; mean: number; max: number; withoutBoxes: number };
  sizes: { small: number; medium: number; large: number };
}

const stats = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] } : { min: 0, median: 0, max: 0 };
};

export function summarize(ds: DetectionDataset): DatasetSummary {
  const perClass = ds.classes.names.map((name, i) => ({ name, categoryId: ds.classes.categoryIds[i], boxes: 0, crowd: 0, difficult: 0 }));
  const sizes = { small: 0, medium: 0, large: 0 };
  const counts: number[] = [];
  for (const r of ds.records) {
    counts.push(r.labels.length);
    for (let i = 0; i < r.labels.length; i++) {
      const c = perClass[r.labels[i]];
      c.boxes++;
      if (r.crowd[i]) c.crowd++;
      if (r.difficult[i]) c.difficult++;
      const area = r.areas ? r.areas[i] : (r.boxes[4 * i + 2] - r.boxes[4 * i]) * (r.boxes[4 * i + 3] - r.boxes[4 * i + 1]);
      if (area < 32 * 32) sizes.small++;
      else if (area < 96 * 96) sizes.medium++;
      else sizes.large++;
    }
  }
  const objects = counts.reduce((a, b) => a + b, 0);
  return {
    images: ds.records.length,
    objects,
    perClass,
    imageWidth: stats(ds.records.map((r) => r.width)),
    imageHeight: stats(ds.records.map((r) => r.height)),
    boxesPerImage: {
      min: counts.length ? Math.min(...counts) : 0,
      mean: counts.length ? +(objects / counts.length).toFixed(2) : 0,
      max: counts.length ? Math.max(...counts) : 0,
      withoutBoxes: counts.filter((c) => c === 0).length,
    },
    sizes,
  };
}

export function formatSummary(ds: DetectionDataset, s: DatasetSummary): string {
  const w = Math.max(5, ...s.perClass.map((c) => c.name.length));
  const lines = [
    `${ds.name} (${ds.format}): ${s.images} images, ${s.objects} boxes, ${s.perClass.length} classes`,
    `image sizes: width ${s.imageWidth.min}..${s.imageWidth.max} (median ${s.imageWidth.median}), height ${s.imageHeight.min}..${s.imageHeight.max} (median ${s.imageHeight.median})`,
    `boxes per image: min ${s.boxesPerImage.min}, mean ${s.boxesPerImage.mean}, max ${s.boxesPerImage.max}; ${s.boxesPerImage.withoutBoxes} image(s) without boxes`,
    `box sizes: small ${s.sizes.small} (< 32²), medium ${s.sizes.medium} (< 96²), large ${s.sizes.large}`,
    `boxes per class:`,
    ...s.perClass.map((c) => `  ${String(c.categoryId).padStart(4)} ${c.name.padEnd(w)} ${String(c.boxes).padStart(7)}${c.crowd ? `  crowd ${c.crowd}` : ''}${c.difficult ? `  difficult ${c.difficult}` : ''}`),
  ];
  return lines.join('\n');
}
