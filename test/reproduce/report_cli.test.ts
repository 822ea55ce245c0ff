/**
 * `resdet reproduce report` from results files written here: every number in REPRODUCTION.md comes from the
 * file, the verdicts follow the data, the figures and results are copied, a missing transfer file says
 * "not run yet", and a file that is not a results file is refused (exit 2). Also curveFromLog on a log.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../helpers/cli';
import { ReproductionResults, checkResults } from '../../reproduce/results';
import { writeFig6 } from '../../reproduce/fig6';
import { curveFromLog } from '../../reproduce/curve';
import { degradationVerdicts } from '../../reproduce/degradation_table';

const tmps: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-repro-report-'));
  tmps.push(d);
  return d;
};
afterAll(() => tmps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A degradation results file: final errors per net and seed as given, curves ending at them. */
function degradation(finals: Record<string, Array<[number, number]>>): ReproductionResults {
  const runs = Object.entries(finals).flatMap(([name, seeds]) =>
    seeds.map(([train, test], seed) => ({
      name, seed, final: { train_error: train, test_error: test },
      curve: [[50, 0.5, 0.55], [100, train, test]] as Array<[number, number, number]>,
      seconds: 60 + seed, command: `resdet classify train runs/x/${name}-s${seed}/config.yaml --out runs/x/${name}-s${seed} --resume`,
    })),
  );
  return {
    claim: 'degradation', dataset: 'fashion-mnist', commit: 'abc123def456', command: 'resdet reproduce degradation --out runs/x',
    backend: 'native', threads: 2, epochs: 2, iterations: 100, train_images: 60000, test_images: 10000, eval_every: 50,
    curve_test_images: 2000, recipe: 'the recipe', wall_seconds: 123, runs,
  };
}

async function writeSweep(r: ReproductionResults): Promise<string> {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(r));
  await writeFig6(r, path.join(dir, 'fig6.png'));
  return dir;
}

test('the report holds the table, the paper side by side, the verdicts from the data and the copied files', async () => {
  const r = degradation({
    plain20: [[0.05, 0.08], [0.07, 0.1]],
    plain56: [[0.12, 0.14], [0.1, 0.13]],
    resnet20: [[0.06, 0.09], [0.06, 0.09]],
    resnet56: [[0.03, 0.07], [0.04, 0.08]],
  });
  const sweep = await writeSweep(r);
  const bench = path.join(tmp(), 'bench');
  const out = runCli(['reproduce', 'report', '--degradation', sweep, '--transfer', path.join(sweep, 'nothing-here'), '--out', path.join(bench, 'REPRODUCTION.md')]);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  const md = fs.readFileSync(path.join(bench, 'REPRODUCTION.md'), 'utf8');
  // mean and (min–max) over the seeds, computed from the file
  expect(md).toContain('| plain20 | 2 | 6.00 % (5.00–7.00) | 9.00 % (8.00–10.00) | — |');
  expect(md).toContain('| plain56 | 2 | 11.00 % (10.00–12.00) | 13.50 % (13.00–14.00) | — |');
  expect(md).toContain('| resnet56 | 2 | 3.50 % (3.00–4.00) | 7.50 % (7.00–8.00) | 6.97 % |');
  expect(md).toContain('| resnet20 | 2 | 6.00 % (6.00–6.00) | 9.00 % (9.00–9.00) | 8.75 % |');
  expect(md).toMatch(/\*\*Holds\.\*\* The degradation problem shows: the deeper plain net trains worse \(plain56 training error 11\.00 % vs plain20 6\.00 %, with no overlap between seeds\)/);
  expect(md).toMatch(/\*\*Holds\.\*\* Residual learning answers it/);
  expect(md).toContain('plain20 6.00 % < plain56 11.00 %');
  expect(md).toContain('resnet56 3.50 % < resnet20 6.00 %');
  expect(md).toContain('commit `abc123def456`');
  expect(md).toContain('`resdet reproduce degradation --out runs/x`');
  expect(md).toMatch(/Not run yet: no transfer results\.json/);
  expect(md).toContain('![Fig. 6 reproduced](reproduction/fig6.png)');
  expect(fs.readFileSync(path.join(bench, 'reproduction', 'fig6.png'))).toEqual(fs.readFileSync(path.join(sweep, 'fig6.png')));
  expect(checkResults(JSON.parse(fs.readFileSync(path.join(bench, 'reproduction', 'degradation-results.json'), 'utf8')), 'copy')).toEqual(r);
});

test('a claim that does not show is reported as such, with its evidence', async () => {
  const r = degradation({ plain20: [[0.08, 0.1]], plain56: [[0.07, 0.09]], resnet20: [[0.06, 0.09]], resnet56: [[0.065, 0.085]] });
  const bench = tmp();
  const out = runCli(['reproduce', 'report', '--degradation', path.join(await writeSweep(r), 'results.json'), '--out', path.join(bench, 'R.md')]);
  expect(out.code).toBe(0);
  const md = fs.readFileSync(path.join(bench, 'R.md'), 'utf8');
  expect(md).toMatch(/\*\*Does not hold at this budget\.\*\* The degradation problem does not show at this budget: .*plain56 training error 7\.00 % vs plain20 8\.00 %, one seed each/);
  expect(md).toMatch(/\*\*Does not hold at this budget\.\*\* The deeper ResNet is not better on both counts/);
});

test('a transfer results file is rendered in its own section and copied', async () => {
  const sweep = await writeSweep(degradation({ plain20: [[0.05, 0.08]], resnet20: [[0.04, 0.07]] }));
  const transfer = tmp();
  // a real transfer results.json (a short comparison's, see bench/RESULTS.md)
  const t = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'reproduce', 'transfer-results.json'), 'utf8'));
  fs.writeFileSync(path.join(transfer, 'results.json'), JSON.stringify(t));
  const bench = tmp();
  const out = runCli(['reproduce', 'report', '--degradation', sweep, '--transfer', transfer, '--out', path.join(bench, 'R.md')]);
  expect(out.code).toBe(0);
  const md = fs.readFileSync(path.join(bench, 'R.md'), 'utf8');
  expect(md).not.toMatch(/Not run yet/);
  expect(md).toContain('resnet18-scratch');
  const scratch = t.runs.find((r: { name: string }) => r.name === 'resnet18-scratch');
  expect(md).toContain(scratch.final.voc07_map50.toFixed(3));
  expect(fs.existsSync(path.join(bench, 'reproduction', 'transfer-results.json'))).toBe(true);
});

test('a transfer results file without what the report reads is refused, exit 2', async () => {
  const sweep = await writeSweep(degradation({ plain20: [[0.05, 0.08]] }));
  const transfer = tmp();
  const thin = { claim: 'transfer', dataset: 'd', commit: 'abc', runs: [] };
  fs.writeFileSync(path.join(transfer, 'results.json'), JSON.stringify(thin));
  const out = runCli(['reproduce', 'report', '--degradation', sweep, '--transfer', transfer, '--out', path.join(tmp(), 'R.md')]);
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(/results\.json: not a transfer results file: lacks setup, pretraining, backend, seconds/);
});

describe('files that are not results: one message naming the file, exit 2', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{"claim": ', /results\.json: not valid JSON/],
    ['a run without final test error', { ...degradation({ plain20: [[0.1, 0.1]] }), runs: [{ ...degradation({ plain20: [[0.1, 0.1]] }).runs[0], final: { train_error: 0.1 } }] },
      /results\.json: runs\[0\] \(plain20\) final lacks test_error/],
    ['an unknown claim', { ...degradation({ plain20: [[0.1, 0.1]] }), claim: 'speed' }, /results\.json: not a reproduction results file: \/claim must be equal to one of the allowed values/],
    ['a thin file of the other claim', { ...degradation({ plain20: [[0.1, 0.1]] }), claim: 'transfer', runs: [] }, /results\.json: not a transfer results file: lacks setup, pretraining, seconds/],
    ['the other claim', JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'reproduce', 'transfer-results.json'), 'utf8')), /results\.json: holds the transfer claim, expected degradation/],
  ];
  test.each(cases)('%s', (_, content, message) => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'results.json'), typeof content === 'string' ? content : JSON.stringify(content));
    const r = runCli(['reproduce', 'report', '--degradation', dir, '--out', path.join(dir, 'R.md')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(dir, 'R.md'))).toBe(false);
  });

  test('a missing degradation results file', () => {
    const r = runCli(['reproduce', 'report', '--degradation', '/nonexistent/sweep', '--out', path.join(tmp(), 'R.md')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/nonexistent\/sweep: no such results file \(run resdet reproduce degradation first\)/);
  });
});

test('curveFromLog: mini-batch errors averaged per interval, test errors at interval ends, final window, seconds of work', () => {
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const log = [
    { time: t(0), type: 'start', step: 0 },
    ...[0.75, 0.25, 0.5, 0.25, 0.125].map((e, i) => ({ time: t(i + 1), type: 'train', step: i + 1, trainError: e })),
    { time: t(6), type: 'eval', step: 2, top1: 0.5, curve: true },
    { time: t(7), type: 'eval', step: 4, top1: 0.75, curve: true },
    { time: t(9), type: 'eval', step: 5, top1: 0.875 },
  ].sort((a, b) => a.time.localeCompare(b.time));
  const c = curveFromLog(log, 2);
  expect(c.curve).toEqual([[2, 0.5, 0.5], [4, 0.375, 0.25], [5, 0.125, 0.125]]);
  // the final training error: the last 2 iterations (4 and 5), although the curve's last interval is step 5 alone
  expect(c.final).toEqual({ train_error: 0.1875, test_error: 0.125 });
  expect(c.iterations).toBe(5);
  expect(c.seconds).toBe(9);
});

test('when the deeper ResNet trails, the verdict says where it stood at the first learning-rate drop', () => {
  const r = degradation({ resnet20: [[0.1, 0.12]], resnet56: [[0.2, 0.22]] });
  r.runs[0].curve = [[25, 0.3, null], [50, 0.15, 0.2], [100, 0.1, 0.12]];
  r.runs[1].curve = [[25, 0.6, null], [50, 0.3, 0.35], [100, 0.2, 0.22]];
  const v = degradationVerdicts(r).find((x) => x.claim === 'residual')!;
  expect(v.holds).toBe(false);
  expect(v.sentence).toContain(
    "When the learning rate was first divided (iteration 50), resnet56 had 30.00 % training error against resnet20's 15.00 %, and was still falling fast (60.00 % at iteration 25)",
  );
});

test('--longer: the same recipe at longer budgets, each with its final errors, verdicts and figure', async () => {
  const main = await writeSweep(degradation({ plain20: [[0.05, 0.08]], plain56: [[0.12, 0.14]], resnet20: [[0.06, 0.09]], resnet56: [[0.09, 0.1]] }));
  const long = { ...degradation({ resnet20: [[0.04, 0.05]], resnet56: [[0.03, 0.045]] }), epochs: 8, iterations: 400, command: 'resdet reproduce degradation --epochs 8' };
  const longer = await writeSweep(long);
  const bench = path.join(tmp(), 'bench');
  const out = runCli(['reproduce', 'report', '--degradation', main, '--transfer', path.join(main, 'none'), '--longer', longer, '--out', path.join(bench, 'REPRODUCTION.md')]);
  expect([out.code, out.stderr]).toEqual([0, '']);
  const md = fs.readFileSync(path.join(bench, 'REPRODUCTION.md'), 'utf8');
  expect(md).toContain('| 2 | 100 | resnet56 | 1 | 9.00 % | 10.00 % |');
  expect(md).toContain('| 8 | 400 | resnet20 | 1 | 4.00 % | 5.00 % |');
  expect(md).toContain('| 8 | 400 | resnet56 | 1 | 3.00 % | 4.50 % |');
  expect(md).toContain('**8 epochs** (400 iterations;');
  // the gap between the deepest and the shallowest ResNet at each budget, from the files
  expect(md).toContain('training error +3.00 at 2 epochs, −1.00 at 8 epochs; test error +1.00 at 2, −0.50 at 8. At 8 epochs resnet56 is ahead of resnet20 on both counts.');
  // the longest pair took 120 s for 8 epochs: 15 s per epoch, 182 epochs ≈ 45.5 min
  expect(md).toMatch(/\(15 s per epoch for the two nets\) that run would take about 4[56] min per seed on this machine — an extrapolation, not a measurement/);
  // at 8 epochs the deeper ResNet is better on both counts; the plain-net verdicts are not judged there, so not listed
  const eight = md.slice(md.indexOf('**8 epochs**'));
  expect(eight).toMatch(/^- Holds: /m);
  expect(eight).not.toMatch(/Not judged|Does not hold/);
  expect(eight).toContain('![Fig. 6 at 8 epochs](reproduction/fig6-8ep.png)');
  expect(fs.readdirSync(path.join(bench, 'reproduction')).sort()).toEqual(['degradation-8ep-results.json', 'degradation-results.json', 'fig6-8ep.png', 'fig6.png']);
  const missing = runCli(['reproduce', 'report', '--degradation', main, '--longer', path.join(main, 'nope'), '--out', path.join(bench, 'R.md')]);
  expect([missing.code, missing.stderr]).toEqual([2, `resdet: error: ${path.join(main, 'nope')}: no such results file\n`]);
});

test('--longer: sweeps of one budget run into separate folders (one per seed) are read as one, with mean and spread over the seeds', async () => {
  const main = await writeSweep(degradation({ plain20: [[0.05, 0.08]], plain56: [[0.12, 0.14]], resnet20: [[0.06, 0.09]], resnet56: [[0.09, 0.1]] }));
  const eight = (finals: Record<string, Array<[number, number]>>, seed: number, command: string, wall: number): ReproductionResults => {
    const r = degradation(finals);
    return { ...r, epochs: 8, iterations: 400, command, wall_seconds: wall, commit: `commit${seed}`, runs: r.runs.map((x) => ({ ...x, seed })) };
  };
  const s0 = await writeSweep(eight({ resnet20: [[0.04, 0.05]], resnet56: [[0.05, 0.06]] }, 0, 'resdet reproduce degradation --seeds 0 --epochs 8', 100));
  const s1 = await writeSweep(eight({ resnet20: [[0.06, 0.07]], resnet56: [[0.03, 0.04]] }, 1, 'resdet reproduce degradation --seeds 1 --epochs 8', 200));
  const bench = path.join(tmp(), 'bench');
  const out = runCli(['reproduce', 'report', '--degradation', main, '--longer', `${s0},${path.join(s1, 'results.json')}`, '--out', path.join(bench, 'REPRODUCTION.md')]);
  expect([out.code, out.stderr]).toEqual([0, '']);
  const md = fs.readFileSync(path.join(bench, 'REPRODUCTION.md'), 'utf8');
  expect(md).toContain('| 8 | 400 | resnet20 | 2 | 5.00 % (4.00–6.00) | 6.00 % (5.00–7.00) |');
  expect(md).toContain('| 8 | 400 | resnet56 | 2 | 4.00 % (3.00–5.00) | 5.00 % (4.00–6.00) |');
  expect(md).toContain('**8 epochs** (400 iterations; 5 min on native; `resdet reproduce degradation --seeds 0 --epochs 8`, then `resdet reproduce degradation --seeds 1 --epochs 8`):');
  expect(md).toContain('but the seeds overlap');
  const merged = checkResults(JSON.parse(fs.readFileSync(path.join(bench, 'reproduction', 'degradation-8ep-results.json'), 'utf8')), 'copy');
  expect(merged.runs.map((r) => `${r.name}-s${r.seed}`)).toEqual(['resnet20-s0', 'resnet56-s0', 'resnet20-s1', 'resnet56-s1']);
  expect([merged.commit, merged.wall_seconds]).toEqual(['commit0, commit1', 300]);
  expect(fs.readFileSync(path.join(bench, 'reproduction', 'fig6-8ep.png')).subarray(1, 4).toString()).toBe('PNG');
  // the same run twice, or a different recipe under the same budget: refused, naming the file
  const twice = runCli(['reproduce', 'report', '--degradation', main, '--longer', `${s0},${s0}`, '--out', path.join(bench, 'R.md')]);
  expect([twice.code, twice.stderr]).toEqual([2, `resdet: error: ${path.join(s0, 'results.json')}: resnet20-s0 is also in ${path.join(s0, 'results.json')}; give each run of a budget once\n`]);
  const other = await writeSweep({ ...eight({ resnet20: [[0.06, 0.07]] }, 1, 'x', 1), recipe: 'another recipe' });
  const differ = runCli(['reproduce', 'report', '--degradation', main, '--longer', `${s0},${other}`, '--out', path.join(bench, 'R.md')]);
  expect(differ.code).toBe(2);
  expect(differ.stderr).toBe(`resdet: error: ${path.join(other, 'results.json')}: cannot be read as the same budget as ${path.join(s0, 'results.json')}: recipe "another recipe" vs "the recipe"\n`);
});
