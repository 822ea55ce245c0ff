/**
 * The confusion matrix as a vega-lite heat map: rows the predicted class, columns the true class (class names then
 * "background"), each cell coloured by its share of its column (of that true class) and showing its count.
 */
import { ConfusionMatrix } from './confusion';

export interface ConfusionCell {
  predicted: number;
  true: number;
  count: number;
  /** count / the column's total; 0 in an empty column */
  share: number;
}

export function confusionCells(cm: ConfusionMatrix): ConfusionCell[] {
  const columnTotals = cm.labels.map((_, j) => cm.matrix.reduce((s, row) => s + row[j], 0));
  return cm.matrix.flatMap((row, i) => row.map((count, j) => ({ predicted: i, true: j, count, share: columnTotals[j] ? count / columnTotals[j] : 0 })));
}

/**
 * Cells are placed by index (names may repeat); the axes print the names, looked up in a literal array. No axis
 * title: the subtitle says which axis is which (vega, without a canvas, overestimates the labels' width and would
 * push a title far off).
 */
function classAxis(field: 'predicted' | 'true', labels: string[], extra: object): object {
  const labelExpr = `${JSON.stringify(labels)}[datum.value]`;
  return { field, type: 'ordinal', title: null, scale: { domain: labels.map((_, i) => i) }, axis: { labelExpr, labelLimit: 160, ...extra } };
}

/** The side of a cell, smaller the more classes (as the matrix grows) */
const cellSize = (n: number) => Math.max(28, Math.min(60, Math.floor(640 / n)));

export function confusionSpec(cm: ConfusionMatrix): object {
  const side = cellSize(cm.labels.length) * cm.labels.length;
  const x = classAxis('true', cm.labels, { labelAngle: -45 });
  const y = classAxis('predicted', cm.labels, {});
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `confusion at score ≥ ${cm.scoreThreshold}, IoU ≥ ${cm.iouThreshold}`, subtitle: 'rows: predicted class · columns: true class · colour: share of the column', fontSize: 14, anchor: 'start' },
    width: side,
    height: side,
    data: { values: confusionCells(cm) },
    encoding: { x, y },
    layer: [
      { mark: { type: 'rect', stroke: '#bbb', strokeWidth: 0.5 }, encoding: { color: { field: 'share', type: 'quantitative', scale: { domain: [0, 1], range: ['#ffffff', '#08519c'], interpolate: 'rgb' }, title: 'share', legend: { format: '.0%', gradientStrokeColor: '#bbb', gradientStrokeWidth: 0.5 } } } },
      { mark: { type: 'text', fontSize: 12 }, encoding: { text: { field: 'count', type: 'quantitative' }, color: { condition: { test: 'datum.share > 0.6', value: 'white' }, value: 'black' } } },
    ],
    config: { font: 'sans-serif', axis: { labelFontSize: 12, domain: false, ticks: false } },
  };
}
