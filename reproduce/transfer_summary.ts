/** Mean and range over seeds of one metric of one variant in a results.json. */
import { TransferFinal, TransferResults } from './transfer_results';

export type TransferMetric = keyof TransferFinal;

export interface Summary {
  mean: number;
  min: number;
  max: number;
  n: number;
}

/** Mean and range over seeds of a metric for one variant (values of -1, "no object of that size", left out). */
export function summarise(results: TransferResults, variant: string, metric: TransferMetric): Summary | null {
  const v = results.runs.filter((r) => r.name === variant).map((r) => r.final[metric]).filter((x) => x >= 0);
  if (!v.length) return null;
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, min: Math.min(...v), max: Math.max(...v), n: v.length };
}
