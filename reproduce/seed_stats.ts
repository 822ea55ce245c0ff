/** Mean and spread of a metric over seeds, and its formatting as percentages. */
export interface SeedStats {
  n: number;
  mean: number;
  min: number;
  max: number;
}

export function seedStats(values: number[]): SeedStats {
  return { n: values.length, mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

export const pct = (x: number, digits = 2): string => `${(100 * x).toFixed(digits)} %`;

/** "7.12 %" for one seed, "7.12 % (6.92–7.32)" — mean (min–max) — for several. */
export function formatStats(s: SeedStats): string {
  return s.n > 1 ? `${pct(s.mean)} (${(100 * s.min).toFixed(2)}–${(100 * s.max).toFixed(2)})` : pct(s.mean);
}
