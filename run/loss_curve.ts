/**
 * A loss curve from a run's JSON-lines log, as a vega-lite chart written as PNG (for reports): the training loss
 * of every step (thin) and its running mean over 10 steps (thick, red), and the validation loss of the `val`
 * records (dots joined by a line, blue) when the run logged any; a legend names each.
 */
import { JsonlLog } from './jsonl_log';
import { writeChartPng } from './chart';

export interface LossPoint {
  step: number;
  loss: number;
}

export interface LossRow extends LossPoint {
  series: string;
}

const TRAIN = 'training loss per step';
const MEAN = 'running mean of 10 steps';
const VAL = 'validation loss';
/** each series' colour and line width, in legend order */
const STYLE: Record<string, { colour: string; width: number }> = {
  [TRAIN]: { colour: '#9ab', width: 1 },
  [MEAN]: { colour: '#c33', width: 2.5 },
  [VAL]: { colour: '#26a', width: 2 },
};

/** The mean of each point's loss and the (up to) 9 before it: it makes the trend readable. */
export function runningMean(points: LossPoint[], window = 10): LossPoint[] {
  return points.map((p, i) => {
    const w = points.slice(Math.max(0, i - window + 1), i + 1);
    return { step: p.step, loss: w.reduce((s, q) => s + q.loss, 0) / w.length };
  });
}

export function lossRows(train: LossPoint[], val: LossPoint[]): LossRow[] {
  const tag = (series: string, ps: LossPoint[]) => ps.map((p) => ({ series, ...p }));
  return [...tag(TRAIN, train), ...tag(MEAN, runningMean(train)), ...tag(VAL, val)];
}

export function lossCurveSpec(title: string, train: LossPoint[], val: LossPoint[] = []): object {
  const series = val.length ? [TRAIN, MEAN, VAL] : [TRAIN, MEAN];
  const scale = (key: 'colour' | 'width') => ({ domain: series, range: series.map((s) => STYLE[s][key]) });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, fontSize: 14 },
    width: 560,
    height: 240,
    data: { values: lossRows(train, val) },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'iteration' },
      y: { field: 'loss', type: 'quantitative', title: 'loss' },
      color: { field: 'series', type: 'nominal', title: null, scale: scale('colour'), legend: { orient: 'top', direction: 'horizontal' } },
    },
    layer: [
      { mark: { type: 'line', clip: true }, encoding: { strokeWidth: { field: 'series', type: 'ordinal', title: null, scale: scale('width') } } },
      { transform: [{ filter: { field: 'series', equal: VAL } }], mark: { type: 'point', filled: true, size: 30, opacity: 1 } },
    ],
    config: { font: 'sans-serif', legend: { labelFontSize: 12, labelLimit: 0, symbolType: 'stroke' } },
  };
}

/** The `loss` of the log's records of `type` ('train' or 'val'), in order. */
export function lossPoints(records: Array<Record<string, unknown>>, type: 'train' | 'val'): LossPoint[] {
  return records.filter((r) => r.type === type && typeof r.loss === 'number').map((r) => ({ step: r.step as number, loss: r.loss as number }));
}

export async function writeLossCurve(logFile: string, pngFile: string, title = 'training loss'): Promise<void> {
  const records = JsonlLog.read(logFile);
  await writeChartPng(lossCurveSpec(title, lossPoints(records, 'train'), lossPoints(records, 'val')), pngFile);
}
