/**
 * Degradation sweeps of one budget run separately (say seed 0 one day, seed 1 another, in two --out folders)
 * read as one: their runs side by side, so that the report gives mean and spread over the seeds. Only results
 * of the same recipe at the same budget merge: same dataset, epochs, iterations, curve spacing and recipe.
 */
import { ReproductionResults } from './results';
import { ReproduceError } from './reproduce_error';

/** What must be equal for two sweeps to count as one budget. */
const SAME = ['dataset', 'epochs', 'iterations', 'train_images', 'test_images', 'eval_every', 'recipe'] as const;

export interface SourcedResults {
  results: ReproductionResults;
  /** the results file it was read from (named in errors) */
  file: string;
}

/** The budgets in the given order of first appearance, sweeps of the same epochs merged into one. */
export function mergeBudgets(all: SourcedResults[]): ReproductionResults[] {
  const byEpochs = new Map<string, SourcedResults[]>();
  for (const s of all) {
    const key = String(s.results.epochs);
    byEpochs.set(key, [...(byEpochs.get(key) ?? []), s]);
  }
  return [...byEpochs.values()].map(mergeSweeps);
}

function distinct(values: unknown[]): unknown[] {
  return [...new Set(values.map((v) => JSON.stringify(v ?? null)))].map((v) => JSON.parse(v));
}

function checkSameRecipe(first: SourcedResults, other: SourcedResults): void {
  for (const key of SAME) {
    const a = JSON.stringify(first.results[key] ?? null);
    const b = JSON.stringify(other.results[key] ?? null);
    if (a !== b) throw new ReproduceError(`${other.file}: cannot be read as the same budget as ${first.file}: ${key} ${b} vs ${a}`);
  }
}

function checkNoRunTwice(sweeps: SourcedResults[]): void {
  const seen = new Map<string, string>();
  for (const s of sweeps) {
    for (const run of s.results.runs) {
      const id = `${run.name}-s${run.seed}`;
      const earlier = seen.get(id);
      if (earlier) throw new ReproduceError(`${s.file}: ${id} is also in ${earlier}; give each run of a budget once`);
      seen.set(id, s.file);
    }
  }
}

/** One sweep as it is; several as one whose runs, wall time, commands and commits are theirs together. */
function mergeSweeps(sweeps: SourcedResults[]): ReproductionResults {
  if (sweeps.length === 1) return sweeps[0].results;
  sweeps.slice(1).forEach((s) => checkSameRecipe(sweeps[0], s));
  checkNoRunTwice(sweeps);
  const rs = sweeps.map((s) => s.results);
  const one = <T>(values: unknown[]): T | null => {
    const d = distinct(values);
    return d.length === 1 ? (d[0] as T) : null;
  };
  return {
    ...rs[0],
    commit: (distinct(rs.map((r) => r.commit)) as string[]).join(', '),
    command: rs.map((r) => r.command ?? '(not recorded)').join('`, then `'),
    backend: (distinct(rs.map((r) => r.backend)) as string[]).join(', '),
    threads: one<number>(rs.map((r) => r.threads)),
    wall_seconds: Math.round(rs.reduce((s, r) => s + Number(r.wall_seconds ?? r.runs.reduce((t, x) => t + x.seconds, 0)), 0) * 10) / 10,
    runs: rs.flatMap((r) => r.runs),
  };
}
