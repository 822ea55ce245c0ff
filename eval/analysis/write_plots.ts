/**
 * The analysis plots as PNG files in a folder (vega-lite charts rendered by run/chart.ts, written atomically): one
 * PR plot per class and confusion.png. Returns the files written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeChartPng } from '../../run/chart';
import { safeFileName } from '../../run/safe_file_name';
import { ConfusionMatrix } from './confusion';
import { confusionSpec } from './confusion_chart';
import { prCurveSpec, PrSeries } from './pr_curve_chart';
import { CocoPrCurves, VocPrCurve } from './pr_curves';

const apText = (ap: number) => (ap < 0 ? 'no ground truth' : `AP ${ap.toFixed(3)}`);

async function writePng(file: string, spec: object): Promise<string> {
  await writeChartPng(spec, file);
  return file;
}

export interface PlotSet {
  /** File name without folder: pr_<category id>_<name>.png (COCO) or pr_<class>.png (VOC), names escaped. */
  file: string;
  title: string;
  series: PrSeries[];
}

export function cocoPlotSets(pr: CocoPrCurves): PlotSet[] {
  return pr.classes.map((c) => ({
    file: `pr_${c.categoryId}_${safeFileName(c.name)}.png`,
    title: `${c.name} (category ${c.categoryId})`,
    series: c.curves.map((k) => ({ label: `IoU ${k.iouThreshold}: ${apText(k.ap)}`, recall: pr.recallThresholds, precision: k.precision })),
  }));
}

export function vocPlotSets(curves: VocPrCurve[]): PlotSet[] {
  return curves.map((c) => ({ file: `pr_${safeFileName(c.className)}.png`, title: c.className, series: [{ label: `IoU > 0.5: ${apText(c.ap)}`, recall: c.recall, precision: c.precision }] }));
}

export async function writeAnalysisPlots(dir: string, sets: PlotSet[], confusion: ConfusionMatrix | null): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const s of sets) written.push(await writePng(path.join(dir, s.file), prCurveSpec(s.title, s.series)));
  if (confusion) written.push(await writePng(path.join(dir, 'confusion.png'), confusionSpec(confusion)));
  return written;
}
