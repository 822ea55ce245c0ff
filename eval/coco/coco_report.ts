/** What the CLI prints and writes for a COCO evaluation: pycocotools' 12 summary lines, a per-category table, JSON. */
import { pyFixed } from '../py_format';
import { statLines } from './coco_summarize';
import { CocoEvaluation } from './coco_types';

/** The 12 lines of COCOeval.summarize(), character for character. */
export function summaryLines(ev: CocoEvaluation): string[] {
  const p = ev.params;
  return statLines(p).map((l, i) => {
    const title = (l.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
    const kind = l.ap ? '(AP)' : '(AR)';
    const iou = (l.iouThr === null ? `${pyFixed(p.iouThrs[0], 2)}:${pyFixed(p.iouThrs[p.iouThrs.length - 1], 2)}` : pyFixed(l.iouThr, 2)).padEnd(9);
    return ` ${title} ${kind} @[ IoU=${iou} | area=${l.area.padStart(6)} | maxDets=${String(l.maxDets).padStart(3)} ] = ${pyFixed(ev.stats[i], 3)}`;
  });
}

const cell = (v: number) => (v < 0 ? '-' : pyFixed(v, 3)).padStart(7);

/** One row per category: AP, AP50, AP75, AP S/M/L, recall, ground truth and detection counts. */
export function categoryTable(ev: CocoEvaluation): string[] {
  const per = ev.perCategory ?? [];
  const nameWidth = Math.max(8, ...per.map((c) => c.name.length));
  const head = `${'id'.padStart(5)}  ${'category'.padEnd(nameWidth)} ${['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR100'].map((h) => h.padStart(7)).join('')} ${'gt'.padStart(7)} ${'dets'.padStart(8)}`;
  const rows = per.map(
    (c) =>
      `${String(c.categoryId).padStart(5)}  ${c.name.padEnd(nameWidth)} ${[c.ap, c.ap50, c.ap75, c.apSmall, c.apMedium, c.apLarge, c.recall].map(cell).join('')} ` +
      `${String(c.numGt).padStart(7)} ${String(c.numDetections).padStart(8)}`,
  );
  return [head, ...rows];
}

/** A note on detections that were ignored because their category is not in the ground truth, or null. */
export function unknownCategoryNote(ev: CocoEvaluation): string | null {
  const entries = Object.entries(ev.unknownCategories);
  if (entries.length === 0) return null;
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const list = entries.slice(0, 10).map(([id, n]) => `${id}: ${n}`).join(', ');
  return `${total} detection(s) of categories not in the ground truth were ignored (category id: count — ${list}${entries.length > 10 ? ', …' : ''})`;
}

export interface CocoJsonReport {
  stats: number[];
  perCategory: { categoryId: number; name: string; ap: number; ap50: number; ap75: number; apSmall: number; apMedium: number; apLarge: number; recall: number }[];
}

export function cocoJsonReport(ev: CocoEvaluation): CocoJsonReport {
  return {
    stats: ev.stats,
    perCategory: (ev.perCategory ?? []).map((c) => ({
      categoryId: c.categoryId,
      name: c.name,
      ap: c.ap,
      ap50: c.ap50,
      ap75: c.ap75,
      apSmall: c.apSmall,
      apMedium: c.apMedium,
      apLarge: c.apLarge,
      recall: c.recall,
    })),
  };
}
