/** What `resdet eval voc` prints: a per-class AP table and the mAP; and the default metric for a folder. */
import * as path from 'path';
import { VocEvaluation, VocMetric } from './voc_types';

/** VOC2007 is scored with the 11-point metric, later years with the area metric. */
export function defaultVocMetric(root: string): VocMetric {
  return /VOC2007/i.test(path.basename(path.resolve(root))) ? '07' : 'area';
}

export function vocReportLines(ev: VocEvaluation, numImages: number): string[] {
  const classes = Object.keys(ev.ap);
  const w = Math.max(10, ...classes.map((c) => c.length));
  const ap = (v: number) => (v < 0 ? '-' : v.toFixed(4)).padStart(8);
  const metric = ev.metric === '07' ? '07 (11-point)' : 'area (all points)';
  return [
    `VOC detection AP, ${numImages} images, metric ${metric}, IoU > 0.5`,
    `${'class'.padEnd(w)} ${'AP'.padStart(8)} ${'objects'.padStart(8)} ${'difficult'.padStart(9)} ${'dets'.padStart(8)}`,
    ...classes.map((c) => {
      const r = ev.perClass[c];
      return `${c.padEnd(w)} ${ap(r.ap)} ${String(r.npos).padStart(8)} ${String(r.numDifficult).padStart(9)} ${String(r.numDetections).padStart(8)}`;
    }),
    `${'mAP'.padEnd(w)} ${ap(ev.map)}`,
  ];
}
