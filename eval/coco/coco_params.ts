/** pycocotools' default bbox parameters, with its exact float64 thresholds. */
import { ResolvedParams } from './coco_types';

/** numpy.linspace(start, stop, num): i·step + start, the last value set to stop. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

export const IOU_THRESHOLDS = linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);
export const RECALL_THRESHOLDS = linspace(0, 1, Math.round((1 - 0) / 0.01) + 1);
export const MAX_DETS = [1, 10, 100];
export const AREA_RANGES: [number, number][] = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
export const AREA_LABELS = ['all', 'small', 'medium', 'large'];

export function defaultParams(imgIds: number[], catIds: number[]): ResolvedParams {
  return {
    imgIds,
    catIds,
    iouThrs: IOU_THRESHOLDS.slice(),
    recThrs: RECALL_THRESHOLDS.slice(),
    maxDets: MAX_DETS.slice(),
    areaRng: AREA_RANGES.map((r) => [r[0], r[1]] as [number, number]),
    areaRngLbl: AREA_LABELS.slice(),
  };
}
