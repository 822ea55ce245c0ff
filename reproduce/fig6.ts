/**
 * fig6.png, laid out like the paper's Fig. 6: plain nets on the left, ResNets on the right; training error
 * dashed, test error solid, against iterations; one colour per depth; the mean over seeds. Drawn with
 * vega-lite and rendered to PNG by run/chart.ts.
 */
import { ReproductionResults } from './results';
import { depthOf, familyOf } from './degradation_plan';
import { writeChartPng } from '../run/chart';

interface Point {
  panel: string;
  depth: string;
  kind: 'training error' | 'test error';
  iteration: number;
  error: number;
}

/** one colour per depth, the same in every figure */
const DEPTHS = ['20-layer', '32-layer', '44-layer', '56-layer'];
const PANEL = { plain: 'plain networks', resnet: 'ResNets' };

/** The seeds' mean of each net's curves (points at the same iterations), as rows for the chart. */
export function fig6Points(r: ReproductionResults): Point[] {
  const sums = new Map<string, { p: Omit<Point, 'error'>; sum: number; n: number }>();
  for (const run of r.runs) {
    for (const [iteration, train, test] of run.curve) {
      for (const [kind, v] of [['training error', train], ['test error', test]] as const) {
        if (v === null) continue;
        const key = `${run.name}|${kind}|${iteration}`;
        const e = sums.get(key) ?? { p: { panel: PANEL[familyOf(run.name)], depth: `${depthOf(run.name)}-layer`, kind, iteration }, sum: 0, n: 0 };
        e.sum += v;
        e.n += 1;
        sums.set(key, e);
      }
    }
  }
  return [...sums.values()].map((e) => ({ ...e.p, error: (100 * e.sum) / e.n }));
}

export function fig6Spec(r: ReproductionResults): object {
  const points = fig6Points(r);
  // the first interval's error (near chance) would squash the rest: scale to the later points, clip the start
  const later = points.filter((p) => p.iteration > Math.max(...points.map((q) => q.iteration)) * 0.15).map((p) => p.error);
  const top = Math.min(100, Math.ceil((Math.max(...later, 1) * 1.15) / 5) * 5);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `Training on ${r.dataset}: ${r.iterations} iterations (${r.epochs} epochs). Dashed: training error, solid: test error`, fontSize: 14 },
    data: { values: points },
    facet: { column: { field: 'panel', type: 'nominal', sort: [PANEL.plain, PANEL.resnet], title: null, header: { labelFontSize: 15 } } },
    spec: {
      width: 380,
      height: 300,
      mark: { type: 'line', clip: true, strokeWidth: 2 },
      encoding: {
        x: { field: 'iteration', type: 'quantitative', title: 'iteration', axis: { labelFontSize: 12, titleFontSize: 13 } },
        y: { field: 'error', type: 'quantitative', title: 'error (%)', scale: { domain: [0, top] }, axis: { labelFontSize: 12, titleFontSize: 13 } },
        color: { field: 'depth', type: 'nominal', title: 'depth', scale: { domain: DEPTHS, range: ['#1f77b4', '#2ca02c', '#ff7f0e', '#d62728'] } },
        strokeDash: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['training error', 'test error'], range: [[6, 4], [1, 0]] } },
      },
    },
    config: { legend: { labelFontSize: 12, titleFontSize: 12, symbolStrokeWidth: 2, symbolSize: 300 }, view: { stroke: '#ccc' } },
  };
}

/** Writes the figure as PNG (atomically). */
export async function writeFig6(r: ReproductionResults, file: string): Promise<void> {
  await writeChartPng(fig6Spec(r), file);
}
