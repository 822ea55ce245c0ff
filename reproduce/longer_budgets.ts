/**
 * "What was tried" for the degradation claim: the same recipe at longer budgets (usually fewer nets), read
 * from their own results.json files — each budget's final errors, its verdicts, and its Fig. 6 — so that
 * REPRODUCTION.md shows how the orderings move with training, with no number typed by hand.
 */
import { formatDuration } from './cost_model';
import { degradationVerdicts, summariseNets } from './degradation_table';
import { ReproductionResults } from './results';
import { formatStats } from './seed_stats';

export interface Budget {
  results: ReproductionResults;
  /** the budget's Fig. 6 copied beside the report, or null */
  figure: string | null;
}

/** The suffix that names a budget's copied files: fig6-3ep.png, degradation-3ep-results.json. */
export function budgetTag(r: ReproductionResults): string {
  return `${r.epochs}ep`;
}

function budgetRows(all: ReproductionResults[]): string[] {
  return all.flatMap((r) => summariseNets(r).map((s) =>
    `| ${r.epochs} | ${r.iterations} | ${s.net} | ${s.train.n} | ${formatStats(s.train)} | ${formatStats(s.test)} |`));
}

function budgetParagraph(b: Budget): string[] {
  const r = b.results;
  const minutes = formatDuration(Number(r.wall_seconds ?? r.runs.reduce((s, x) => s + x.seconds, 0)));
  return [
    `**${r.epochs} epochs** (${r.iterations} iterations; ${minutes} on ${r.backend ?? '?'}; \`${r.command ?? ''}\`):`,
    '',
    ...degradationVerdicts(r).filter((v) => v.holds !== null).map((v) => `- ${v.holds ? 'Holds' : 'Does not hold'}: ${v.sentence}`),
    '',
    ...(b.figure ? [`![Fig. 6 at ${r.epochs} epochs](${b.figure})`, ''] : []),
  ];
}

interface Gap {
  r: ReproductionResults;
  low: string;
  high: string;
  train: number;
  test: number;
}

function trend(rows: Gap[]): string {
  const last = rows[rows.length - 1];
  if (last.train < 0 && last.test < 0) return `At ${last.r.epochs} epochs ${last.high} is ahead of ${last.low} on both counts.`;
  const shrinking = rows.every((g, i) => i === 0 || g.train <= rows[i - 1].train);
  return shrinking
    ? `The training-error gap shrinks at every longer budget, but ${last.high} has not overtaken ${last.low} at ${last.r.epochs} epochs.`
    : 'The gap does not shrink steadily with the budget.';
}

const points = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`;

/**
 * How far the deepest ResNet trails (or leads) the shallowest at each budget that ran both: mean final training
 * and test error, deeper minus shallower, in percentage points — and what the longest budget's time says a
 * paper-length run would cost here (its seconds per epoch times the paper's 182 epochs, an extrapolation).
 */
export function gapByBudget(all: ReproductionResults[]): string {
  const rows: Gap[] = all.flatMap((r) => {
    const nets = summariseNets(r).filter((s) => s.net.startsWith('resnet'));
    const depth = (n: string) => Number(n.replace(/\D/g, ''));
    if (nets.length < 2) return [];
    const sorted = [...nets].sort((a, b) => depth(a.net) - depth(b.net));
    const [low, high] = [sorted[0], sorted[sorted.length - 1]];
    return [{ r, low: low.net, high: high.net, train: high.train.mean - low.train.mean, test: high.test.mean - low.test.mean }];
  });
  if (rows.length < 2) return '';
  const longest = rows[rows.length - 1];
  const pair = longest.r.runs.filter((x) => x.name === longest.low || x.name === longest.high);
  const perEpoch = pair.reduce((sum, x) => sum + x.seconds, 0) / Math.max(1, new Set(pair.map((x) => x.seed)).size) / Number(longest.r.epochs);
  return `**How the gap moves with the budget** (mean final error of ${longest.high} minus ${longest.low}, percentage points; ` +
    'negative would mean the deeper net wins, as in the paper): training error ' +
    rows.map((g) => `${points(g.train)} at ${g.r.epochs} epochs`).join(', ') + '; test error ' +
    rows.map((g) => `${points(g.test)} at ${g.r.epochs}`).join(', ') + '. ' +
    `${trend(rows)} ` +
    `The paper trains 182 epochs (64k iterations); at the ${longest.r.epochs}-epoch pair's pace (${formatDuration(perEpoch)} per epoch for the two nets) ` +
    `that run would take about ${formatDuration(182 * perEpoch)} per seed on this machine — an extrapolation, not a measurement.`;
}

/** The section, or '' without longer budgets. `main` is the budget of the section above, listed first. */
export function longerBudgetsSection(main: ReproductionResults, longer: Budget[]): string {
  if (!longer.length) return '';
  const sorted = [...longer].sort((a, b) => Number(a.results.epochs) - Number(b.results.epochs));
  return [
    '### The same recipe at longer budgets',
    '',
    'Every net, budget and seed is an ordinary run of the same recipe (only `--epochs` and `--nets` differ); the ' +
      'learning rate is divided at 50% and 75% of each run, so a longer run is not a continuation of a shorter one.',
    '',
    '| epochs | iterations | net | seeds | final training error | final test error |',
    '|---:|---:|---|---:|---:|---:|',
    ...budgetRows([main, ...sorted.map((b) => b.results)]),
    '',
    gapByBudget([main, ...sorted.map((b) => b.results)]),
    '',
    ...sorted.flatMap(budgetParagraph),
  ].join('\n');
}
