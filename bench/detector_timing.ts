/**
 * What the detector benches share: the median, the mean of paired ratios with its 95 % interval (the in-run A/B
 * benches), a detector's `detectFiles` timed after a warm-up, and the share of
 * one engine's detections that another reproduces (same label, IoU >= 0.99, score within 1e-3 — the export tests'
 * rule), which shows that two engines timed side by side computed the same thing.
 */
import type { ObjectDetector } from '../detection/detector';
import type { ImageDetections } from '../detection/inference';

/** The middle value (mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The mean of `xs` and the half-width of its 95 % interval (normal approximation, sample standard deviation). */
export function meanInterval(xs: number[]): { mean: number; half: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, half: (1.96 * sd) / Math.sqrt(xs.length) };
}

/** Seconds of each of `runs` calls of detectFiles([image]) after one warm-up, and the warm-up's detections. */
export async function timeDetector(detector: ObjectDetector, image: string, runs: number): Promise<{ first: ImageDetections; times: number[] }> {
  const [first] = await detector.detectFiles([image], { quiet: true });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await detector.detectFiles([image], { quiet: true });
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { first, times };
}

/** Detections as flat arrays: boxes [x1, y1, x2, y2, ...], labels, scores. */
export type FlatDetections = Pick<ImageDetections, 'scores'> & { boxes: ArrayLike<number>; labels: ArrayLike<number> };

function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const w = Math.max(0, Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]));
  const h = Math.max(0, Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]));
  const area = (x: ArrayLike<number>, k: number) => (x[4 * k + 2] - x[4 * k]) * (x[4 * k + 3] - x[4 * k + 1]);
  return (w * h) / (area(a, i) + area(b, j) - w * h);
}

/** Share of `ref`'s detections found in `other`: same label, IoU >= 0.99, score within 1e-3. */
export function reproduced(ref: FlatDetections, other: FlatDetections): number {
  const n = ref.scores.length;
  let found = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < other.scores.length; j++) {
      if (other.labels[j] === ref.labels[i] && Math.abs(other.scores[j] - ref.scores[i]) <= 1e-3 && iou(ref.boxes, i, other.boxes, j) >= 0.99) {
        found++;
        break;
      }
    }
  }
  return n ? found / n : 1;
}
