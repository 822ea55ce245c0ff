/**
 * bench/REPRODUCTION.md from the two claims' results.json files — every number in it is read from them.
 * The results files and figures are copied under bench/reproduction/ beside it. A missing transfer results
 * file gives a section saying it has not been run yet.
 */
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../engine/atomic_write';
import { threadsLabel } from '../engine/backend_threads';
import { Claim, readResults, resultsFile, ReproductionResults } from './results';
import { ReproduceError } from './reproduce_error';
import { degradationTableMarkdown, degradationVerdicts, summariseNets } from './degradation_table';
import { familyOf } from './degradation_plan';
import { FIG6_ORDERING } from './paper';
import { formatDuration } from './cost_model';
import { pct } from './seed_stats';
import { transferMarkdown } from './transfer_report';
import { TransferResults } from './transfer_results';
import { Budget, budgetTag, longerBudgetsSection } from './longer_budgets';
import { mergeBudgets } from './merge_budgets';
import { writeFig6 } from './fig6';

export interface ReportOptions {
  /** results.json files or the folders holding them */
  degradation?: string;
  transfer?: string;
  /** results.json files (or folders) of the degradation recipe at longer budgets: "what was tried"; sweeps of one budget merge */
  longer?: string[];
  /** the markdown file; figures and results go to <its folder>/reproduction/ */
  out: string;
  /** the command line, shown in the report */
  command: string;
}

const ASSETS = 'reproduction';

function load(source: string | undefined, claim: Claim): { results: ReproductionResults; dir: string } | null {
  if (source === undefined) return null;
  const file = resultsFile(source);
  if (!fs.existsSync(file)) return null;
  const results = readResults(file);
  if (results.claim !== claim) throw new ReproduceError(`${file}: holds the ${results.claim} claim, expected ${claim}`);
  return { results, dir: path.dirname(file) };
}

/**
 * Copies results.json (as <claim>[-tag]-results.json) and the figure (as <name>[-tag].png) into the assets
 * folder; returns the figure's link or null.
 */
async function copyAssets(src: { results: ReproductionResults; dir: string }, assets: string, claim: Claim, figure: string, tag?: string): Promise<string | null> {
  fs.mkdirSync(assets, { recursive: true });
  const suffix = tag ? `-${tag}` : '';
  await atomicWrite(path.join(assets, `${claim}${suffix}-results.json`), [Buffer.from(JSON.stringify(src.results, null, 1) + '\n')]);
  const fig = path.join(src.dir, figure);
  if (!fs.existsSync(fig)) return null;
  const name = figure.replace(/\.png$/, `${suffix}.png`);
  await atomicWrite(path.join(assets, name), [fs.readFileSync(fig)]);
  return `${ASSETS}/${name}`;
}

/**
 * The longer budgets, sweeps of the same budget merged (seeds run into separate folders); each written beside
 * the report as degradation-<tag>-results.json with its Fig. 6 drawn from it as fig6-<tag>.png.
 */
async function longerBudgets(paths: string[], assets: string): Promise<Budget[]> {
  const sweeps = paths.map((p) => {
    const b = load(p, 'degradation');
    if (!b) throw new ReproduceError(`${resultsFile(p)}: no such results file`);
    return { results: b.results, file: resultsFile(p) };
  });
  const out: Budget[] = [];
  for (const results of mergeBudgets(sweeps)) {
    const tag = budgetTag(results);
    fs.mkdirSync(assets, { recursive: true });
    await atomicWrite(path.join(assets, `degradation-${tag}-results.json`), [Buffer.from(JSON.stringify(results, null, 1) + '\n')]);
    await writeFig6(results, path.join(assets, `fig6-${tag}.png`));
    out.push({ results, figure: `${ASSETS}/fig6-${tag}.png` });
  }
  return out;
}

function ordering(r: ReproductionResults, family: 'plain' | 'resnet', key: 'train' | 'test'): string {
  return summariseNets(r)
    .filter((s) => familyOf(s.net) === family)
    .sort((a, b) => a[key].mean - b[key].mean)
    .map((s) => `${s.net} ${pct(s[key].mean)}`)
    .join(' < ');
}

/** The commits the runs were trained with, when the sweep recorded them. */
function runCommits(r: ReproductionResults): string {
  const commits = [...new Set(r.runs.map((x) => x.commit).filter((c): c is string => typeof c === 'string'))];
  return commits.length ? `, runs trained by ${commits.map((c) => `\`${c}\``).join(', ')}` : '';
}

function provenance(r: ReproductionResults): string[] {
  const threads = r.threads ? `, ${threadsLabel(r.threads)}` : '';
  const m = r.machine as { cpu?: string; cores?: number } | undefined;
  return [
    `- Command: \`${r.command ?? '(not recorded)'}\``,
    `- Data: ${r.dataset} (${r.train_images ?? '?'} training, ${r.test_images ?? '?'} test images); ${r.epochs} epochs = ${r.iterations} iterations of 128 images per run`,
    `- Recipe (every net): ${r.recipe ?? '(not recorded)'}`,
    `- Backend: ${r.backend ?? '?'}${threads}${m?.cpu ? `; ${m.cpu}, ${m.cores} cores` : ''}; results written by commit \`${r.commit}\`${runCommits(r)}`,
    `- Wall time: ${formatDuration(Number(r.wall_seconds ?? r.runs.reduce((s, x) => s + x.seconds, 0)))} of training and evaluation over ${r.runs.length} runs ` +
      `(${r.runs.map((x) => `${x.name}-s${x.seed} ${formatDuration(x.seconds)}`).join(', ')})`,
    `- One run alone: \`${r.runs[0]?.command ?? ''}\` (its folder holds config.yaml, log.jsonl, checkpoints)`,
  ];
}

export function degradationSection(r: ReproductionResults, figure: string | null, longer: Budget[] = []): string {
  const verdicts = degradationVerdicts(r);
  return [
    '## 1. The degradation problem and its answer (§4.2, Fig. 6, Table 6)',
    '',
    ...verdicts.map((v) => `- **${v.holds === null ? 'Not judged' : v.holds ? 'Holds' : 'Does not hold at this budget'}.** ${v.sentence}`),
    '',
    ...provenance(r),
    '',
    degradationTableMarkdown(r),
    '',
    'Training error is the error on the augmented training mini-batches (as in the paper\'s Fig. 6), averaged over the ' +
      `last ${r.eval_every} iterations; test error is on the whole test split. The paper's numbers are CIFAR-10 after 64k ` +
      `iterations; ${r.dataset === 'cifar10' ? 'this run is on CIFAR-10 too' : `these runs are on ${r.dataset}, so only the orderings compare, not the values`}.`,
    '',
    '| ordering | the paper (Fig. 6, CIFAR-10) | here, final training error | here, final test error |',
    '|---|---|---|---|',
    `| plain nets | ${FIG6_ORDERING.plain} | ${ordering(r, 'plain', 'train') || '—'} | ${ordering(r, 'plain', 'test') || '—'} |`,
    `| ResNets | ${FIG6_ORDERING.resnet} | ${ordering(r, 'resnet', 'train') || '—'} | ${ordering(r, 'resnet', 'test') || '—'} |`,
    '',
    ...(figure ? [`![Fig. 6 reproduced](${figure})`, '', 'Left: plain nets, right: ResNets; dashed: training error, solid: test error (mean over seeds; test error during the run on the first ' +
      `${r.curve_test_images ?? '?'} test images).`, ''] : ['(fig6.png was not found beside the results file.)', '']),
    longerBudgetsSection(r, longer),
  ].join('\n');
}

export function transferSection(r: ReproductionResults | null, figure: string | null): string {
  if (r) return transferMarkdown(r as unknown as TransferResults, figure ?? undefined);
  const head = '## 2. The detection transfer gain (§4.3, Tables 7 and 8)';
  return [head, '', 'Not run yet: no transfer results.json was given (`resdet reproduce transfer`, then this command again).', ''].join('\n');
}

export async function writeReport(o: ReportOptions): Promise<{ file: string; assets: string }> {
  const deg = load(o.degradation, 'degradation');
  if (o.degradation !== undefined && !deg) throw new ReproduceError(`${resultsFile(o.degradation)}: no such results file (run resdet reproduce degradation first)`);
  const tra = load(o.transfer, 'transfer');
  const assets = path.join(path.dirname(o.out), ASSETS);
  const degFig = deg ? await copyAssets(deg, assets, 'degradation', 'fig6.png') : null;
  const longer = await longerBudgets(o.longer ?? [], assets);
  const traFig = tra ? await copyAssets(tra, assets, 'transfer', 'transfer.png') : null;
  const md = [
    '# Reproducing *Deep Residual Learning for Image Recognition* with resdet',
    '',
    `Generated by \`${o.command}\` from the results files copied to \`${ASSETS}/\`; no number here is typed by hand.`,
    '',
    deg ? degradationSection(deg.results, degFig, longer) : '## 1. The degradation problem and its answer (§4.2, Fig. 6, Table 6)\n\nNot run yet.\n',
    transferSection(tra?.results ?? null, traFig),
  ].join('\n');
  await atomicWrite(o.out, [Buffer.from(md)]);
  return { file: o.out, assets };
}
