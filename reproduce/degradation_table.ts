/**
 * The degradation results as numbers: per net, final training and test error (mean and min–max over seeds)
 * beside the paper's Table 6 test error, and the claims of Fig. 6 judged from the data.
 */
import { ReproductionResults } from './results';
import { DEGRADATION_NETS, depthOf, familyOf } from './degradation_plan';
import { TABLE6_TEST_ERROR } from './paper';
import { formatStats, pct, seedStats, SeedStats } from './seed_stats';

export interface NetSummary {
  net: string;
  train: SeedStats;
  test: SeedStats;
}

/** Nets in Fig. 6's order (plain 20…56, then ResNet 20…56), each with its seeds' statistics. */
export function summariseNets(r: ReproductionResults): NetSummary[] {
  const nets = [...new Set(r.runs.map((run) => run.name))].sort((a, b) => DEGRADATION_NETS.indexOf(a) - DEGRADATION_NETS.indexOf(b));
  return nets.map((net) => {
    const runs = r.runs.filter((run) => run.name === net);
    return { net, train: seedStats(runs.map((x) => x.final.train_error)), test: seedStats(runs.map((x) => x.final.test_error)) };
  });
}

export function degradationTableMarkdown(r: ReproductionResults): string {
  const rows = summariseNets(r).map((s) => {
    const paper = TABLE6_TEST_ERROR[s.net];
    return `| ${s.net} | ${s.train.n} | ${formatStats(s.train)} | ${formatStats(s.test)} | ${paper !== undefined ? pct(paper) : '—'} |`;
  });
  return [
    '| net | seeds | final training error | final test error | paper, CIFAR-10 test error (Table 6) |',
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

export interface ClaimVerdict {
  claim: string;
  holds: boolean | null;
  sentence: string;
}

/** a above b: by the means, and whether the seed ranges overlap. */
function compare(a: NetSummary, b: NetSummary, key: 'train' | 'test', word: string): { above: boolean; sentence: string } {
  const x = a[key];
  const y = b[key];
  const above = x.mean > y.mean;
  const separate = above ? x.min > y.max : x.max < y.min;
  const spread = x.n > 1 || y.n > 1 ? (separate ? ', with no overlap between seeds' : ', but the seeds overlap') : ', one seed each';
  return { above, sentence: `${a.net} ${word} ${pct(x.mean)} vs ${b.net} ${pct(y.mean)}${spread}` };
}

/** Mean training error over a net's seeds at the last curve point at or before `iteration` (null if none). */
function trainErrorAt(r: ReproductionResults, net: string, iteration: number): { at: number; error: number } | null {
  const points = r.runs
    .filter((run) => run.name === net)
    .map((run) => [...run.curve].reverse().find((p) => p[0] <= iteration && p[1] !== null))
    .filter((p): p is [number, number, number | null] => p !== undefined);
  if (!points.length) return null;
  return { at: points[0][0], error: points.reduce((s, p) => s + p[1], 0) / points.length };
}

/** Where the deeper net stood when the learning rate was first divided (the schedule's 50% mark). */
function atFirstDrop(r: ReproductionResults, deep: string, shallow: string): string {
  const drop = Math.round(0.5 * Number(r.iterations));
  const d = trainErrorAt(r, deep, drop);
  const s = trainErrorAt(r, shallow, drop);
  const before = trainErrorAt(r, deep, drop / 2);
  if (!d || !s || !before) return '';
  const falling = before.error - d.error > 0.02;
  return ` When the learning rate was first divided (iteration ${drop}), ${deep} had ${pct(d.error)} training error against ${shallow}'s ${pct(s.error)}` +
    (falling ? `, and was still falling fast (${pct(before.error)} at iteration ${before.at}): the deeper net had not converged when the rate dropped, so a longer run is what to try first.` : '.');
}

/** The claims of Fig. 6, judged on the shallowest and deepest net of each family that was run. */
export function degradationVerdicts(r: ReproductionResults): ClaimVerdict[] {
  const nets = summariseNets(r);
  const ends = (family: string) => {
    const f = nets.filter((s) => familyOf(s.net) === family).sort((a, b) => depthOf(a.net) - depthOf(b.net));
    return f.length >= 2 ? [f[0], f[f.length - 1]] : null;
  };
  const out: ClaimVerdict[] = [];
  const plain = ends('plain');
  if (!plain) out.push({ claim: 'degradation', holds: null, sentence: 'The degradation problem cannot be judged: fewer than two plain depths were run.' });
  else {
    const [shallow, deep] = plain;
    const c = compare(deep, shallow, 'train', 'training error');
    out.push({
      claim: 'degradation',
      holds: c.above,
      sentence: c.above
        ? `The degradation problem shows: the deeper plain net trains worse (${c.sentence}).`
        : `The degradation problem does not show at this budget: the deeper plain net does not train worse (${c.sentence}).`,
    });
  }
  const res = ends('resnet');
  if (!res) out.push({ claim: 'residual', holds: null, sentence: 'The residual answer cannot be judged: fewer than two ResNet depths were run.' });
  else {
    const [shallow, deep] = res;
    const tr = compare(deep, shallow, 'train', 'training error');
    const te = compare(deep, shallow, 'test', 'test error');
    const holds = !tr.above && !te.above;
    out.push({
      claim: 'residual',
      holds,
      sentence: holds
        ? `Residual learning answers it: the deeper ResNet has lower training and test error (${tr.sentence}; ${te.sentence}).`
        : `The deeper ResNet is not better on both counts at this budget (${tr.sentence}; ${te.sentence}).${atFirstDrop(r, deep.net, shallow.net)}`,
    });
  }
  const deepest = [...nets].sort((a, b) => depthOf(b.net) - depthOf(a.net))[0];
  const twin = deepest && nets.find((s) => s.net !== deepest.net && depthOf(s.net) === depthOf(deepest.net));
  if (twin) {
    const [p, rn] = familyOf(deepest.net) === 'plain' ? [deepest, twin] : [twin, deepest];
    const c = compare(rn, p, 'train', 'training error');
    out.push({
      claim: 'shortcuts',
      holds: !c.above,
      sentence: !c.above
        ? `At ${depthOf(p.net)} layers the shortcuts help: ${c.sentence}.`
        : `At ${depthOf(p.net)} layers the shortcuts do not lower the training error here: ${c.sentence}.`,
    });
  }
  return out;
}

/** table.md of a degradation sweep. */
export function degradationTable(r: ReproductionResults): string {
  return [
    `# Degradation sweep on ${r.dataset}: ${r.epochs} epochs (${r.iterations} iterations of 128 images), ${r.backend}`,
    '',
    'Final training error: the error on the augmented training mini-batches, averaged over the last ' +
      `${r.eval_every} iterations. Final test error: the whole test split (${r.test_images} images). ` +
      'Mean over seeds, (min–max) when there are several.',
    '',
    degradationTableMarkdown(r),
    '',
    ...degradationVerdicts(r).map((v) => `- ${v.sentence}`),
    '',
  ].join('\n');
}
