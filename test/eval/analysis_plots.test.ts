/**
 * The analysis plots (eval/analysis/pr_curve_chart.ts, confusion_chart.ts, write_plots.ts): the specs' data, class
 * names with markup characters drawn as text, and the PNG files with their sizes.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { ConfusionMatrix } from '../../eval/analysis/confusion';
import { confusionSpec } from '../../eval/analysis/confusion_chart';
import { prCurveSpec, PrRow } from '../../eval/analysis/pr_curve_chart';
import { PlotSet, writeAnalysisPlots } from '../../eval/analysis/write_plots';
import { chartSvg } from '../../run/chart';
import { tempDir } from '../helpers/temp_dir';

const ODD = 'a<b&"c';
const recall = [0, 0.5, 1];
const series = [
  { label: 'IoU 0.5: AP 0.750', recall, precision: [1, 0.8, 0.5] },
  { label: 'IoU 0.75: no ground truth', recall, precision: [-1, -1, -1] },
];

function confusion(labels: string[]): ConfusionMatrix {
  const n = labels.length;
  // column j holds j + 1 on the diagonal and 1 in the row below; the background column is empty
  const matrix = labels.map((_, i) => labels.map((_, j) => (j === n - 1 ? 0 : i === j ? j + 1 : i === j + 1 ? 1 : 0)));
  return { scoreThreshold: 0.3, iouThreshold: 0.5, labels, categoryIds: labels.slice(0, -1).map((_, i) => i + 1), matrix };
}

const size = async (file: string) => {
  const m = await sharp(file).metadata();
  return [m.format, m.width!, m.height!] as const;
};

test('PR spec: one line per series in order, precision -1 drawn as 0, every label in the legend, the class as title', () => {
  const spec = prCurveSpec(ODD, series) as { title: { text: string }; data: { values: PrRow[] }; encoding: { color: { scale: { domain: string[] } } } };
  expect(spec.title.text).toBe(ODD);
  expect(spec.data.values.map((r) => [r.series, r.index, r.recall, r.precision])).toEqual([
    [series[0].label, 0, 0, 1], [series[0].label, 1, 0.5, 0.8], [series[0].label, 2, 1, 0.5],
    [series[1].label, 0, 0, 0], [series[1].label, 1, 0.5, 0], [series[1].label, 2, 1, 0],
  ]);
  expect(spec.encoding.color.scale.domain).toEqual(series.map((s) => s.label));
});

test('confusion spec: a cell per (predicted, true) with its share of the column; the title names the thresholds', () => {
  const cm = confusion(['cat', 'dog', 'background']);
  const spec = confusionSpec(cm) as { title: { text: string }; width: number; data: { values: Array<{ predicted: number; true: number; count: number; share: number }> } };
  expect(spec.title.text).toBe('confusion at score ≥ 0.3, IoU ≥ 0.5');
  expect(spec.data.values.filter((c) => c.count).map((c) => [c.predicted, c.true, c.count, c.share])).toEqual([[0, 0, 1, 0.5], [1, 0, 1, 0.5], [1, 1, 2, 2 / 3], [2, 1, 1, 1 / 3]]);
  expect(spec.data.values.filter((c) => c.true === 2).map((c) => c.share)).toEqual([0, 0, 0]);
  expect(spec.width).toBe(3 * 60);
  expect((confusionSpec(confusion([...'abcdefghijklmnopqrstuvwxyz', 'background'])) as { width: number }).width).toBe(27 * 28);
});

test('class names with markup characters are drawn as text: in the PR title and on both confusion axes', async () => {
  const names = [ODD, "it's \\ odd", 'background'];
  const pr = await chartSvg(prCurveSpec(ODD, series));
  const cm = await chartSvg(confusionSpec(confusion(names)));
  expect(pr).toContain('>a&lt;b&amp;"c</text>');
  for (const n of ['>a&lt;b&amp;"c</text>', ">it's \\ odd</text>", '>background</text>']) expect(cm.split(n).length - 1).toBe(2);
});

test('writeAnalysisPlots writes a PR plot per set and confusion.png, sized to the plot and the classes, quietly', async () => {
  const warn = jest.spyOn(console, 'warn');
  const dir = path.join(tempDir('analysis-plots'), 'plots');
  const sets: PlotSet[] = [{ file: 'pr_1_odd.png', title: ODD, series }, { file: 'pr_2_one.png', title: 'one', series: series.slice(0, 1) }];
  const written = await writeAnalysisPlots(dir, sets, confusion(['person', 'car', ODD, 'dog', 'traffic light', 'background']));
  expect(written).toEqual(['pr_1_odd.png', 'pr_2_one.png', 'confusion.png'].map((f) => path.join(dir, f)));
  expect(fs.readdirSync(dir).sort()).toEqual(['confusion.png', 'pr_1_odd.png', 'pr_2_one.png']);
  for (const f of written.slice(0, 2)) {
    const [format, w, h] = await size(f);
    // a 380 x 300 plot with axes, title and legend, at 144 dpi
    expect([format, w > 800 && w < 1000, h > 700 && h < 900]).toEqual(['png', true, true]);
  }
  const [format, w, h] = await size(path.join(dir, 'confusion.png'));
  // 6 cells of 60 a side, labels and the colour legend, at 144 dpi
  expect([format, w > 2 * 6 * 60, w < 1300, h > 2 * 6 * 60, h < 1100]).toEqual(['png', true, true, true, true]);
  expect(warn).not.toHaveBeenCalled();
});
