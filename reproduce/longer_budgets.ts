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
    ...sorted.flatMap(budgetParagraph),
  ].join('\n');
}
