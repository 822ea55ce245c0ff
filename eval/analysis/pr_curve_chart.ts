/**
 * The precision–recall chart of one class as a vega-lite spec: precision against recall on [0, 1] x [0, 1], one
 * coloured line per series, the series' labels (which carry the AP) in a legend below, the class as the title.
 */
export interface PrSeries {
  label: string;
  recall: number[];
  /** -1 where the class has no ground truth: drawn as 0. */
  precision: number[];
}

export interface PrRow {
  series: string;
  /** the point's place in its series: the line joins the points in this order */
  index: number;
  recall: number;
  precision: number;
}

const COLOURS = ['#c33', '#36c', '#393', '#c93', '#939'];

export function prRows(series: PrSeries[]): PrRow[] {
  return series.flatMap((s) => s.recall.map((recall, index) => ({ series: s.label, index, recall, precision: Math.max(0, s.precision[index]) })));
}

const unitAxis = (title: string) => ({ field: title, type: 'quantitative', title, scale: { domain: [0, 1], nice: false }, axis: { tickCount: 5, grid: true } });

export function prCurveSpec(title: string, series: PrSeries[]): object {
  const labels = series.map((s) => s.label);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, fontSize: 14 },
    width: 380,
    height: 300,
    data: { values: prRows(series) },
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: {
      x: unitAxis('recall'),
      y: unitAxis('precision'),
      order: { field: 'index', type: 'quantitative' },
      // the domain names every series, so a series without points still shows its label
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: labels, range: COLOURS }, legend: { orient: 'bottom', direction: 'vertical' } },
    },
    config: { font: 'sans-serif', legend: { labelFontSize: 12, labelLimit: 0, symbolType: 'stroke', symbolStrokeWidth: 2 } },
  };
}
