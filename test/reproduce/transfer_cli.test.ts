/**
 * `resdet reproduce transfer` end to end on a tiny budget (two variants, one seed, 20 iterations of 96-px canvases,
 * 16 training canvases, pretraining on 256 items): the files, results.json's schema, skipping finished runs,
 * resuming a run, and bad input (one message, exit 2).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli';
import { JsonlLog } from '../../run/jsonl_log';
import { TransferResults } from '../../reproduce/transfer_results';
import { requires } from '../helpers/requirements';

const gate = requires('native');

const native = { RESDET_BACKEND: 'native' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-transfer-'));
const out = path.join(tmp, 'out');
const ITERS = 20;
const tiny = [
  'reproduce', 'transfer', '--out', out, '--variants', 'resnet18-scratch,resnet18-pretrained', '--seeds', '0',
  '--pretrain-epochs', '1', '--pretrain-images', '256', '--iters', String(ITERS), '--images', '16', '--test-images', '8',
  '--set', 'data.shortSides=[96]', '--set', 'data.maxSize=96', '--set', 'data.testShortSide=96', '--quiet',
];
let first: ReturnType<typeof runCli>;

beforeAll(() => {
  if (gate.why) return; // the tests below skip (or fail under RESDET_REQUIRE_ALL) on their own
  first = runCli(tiny, native);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

gate.test('a tiny comparison writes results.json (issue schema), table.md, transfer.png and ordinary run folders', async () => {
  expect(first.stderr).not.toMatch(/internal error/);
  expect(first.code).toBe(0);
  expect(first.stderr).toMatch(/estimated time: /);
  const r: TransferResults = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  expect(r.claim).toBe('transfer');
  expect(r.dataset).toMatch(/Fashion-MNIST composites/);
  expect(r.runs.map((x) => [x.name, x.seed])).toEqual([['resnet18-scratch', 0], ['resnet18-pretrained', 0]]);
  for (const run of r.runs) {
    for (const k of ['voc07_map50', 'coco_ap', 'coco_ap50', 'coco_ap_small', 'coco_ap_medium', 'coco_ap_large'] as const) {
      expect(run.final[k] === -1 || (run.final[k] >= 0 && run.final[k] <= 1)).toBe(true);
    }
    const metrics = JSON.parse(fs.readFileSync(path.join(out, `${run.name}-s0`, 'metrics.json'), 'utf8'));
    expect(run.final.voc07_map50).toBe(metrics.voc07_map50);
    // curve: [iteration, mean loss, test mAP or null], iterations rising to the budget, evaluated at the end
    expect(run.curve.every((p) => p.length === 3)).toBe(true);
    expect(run.curve.map((p) => p[0])).toEqual([...run.curve.map((p) => p[0])].sort((a, b) => a - b));
    expect(run.curve.at(-1)![0]).toBe(ITERS);
    expect(run.curve.at(-1)![2]).toBe(run.final.voc07_map50);
    expect(run.curve.every((p) => typeof p[1] === 'number' && p[1]! > 0)).toBe(true);
    expect(run.seconds).toBeGreaterThan(0);
    expect(run.command).toMatch(new RegExp(`^resdet train configs/fmnist_transfer.yaml --out \\S*${run.name}-s0 `));
    const log = JsonlLog.read(path.join(out, `${run.name}-s0`, 'log.jsonl'));
    expect(log.filter((x) => x.type === 'train')).toHaveLength(ITERS);
  }
  expect(r.runs[0].command).toMatch(/model.pretrained=null/);
  expect(r.runs[1].command).toMatch(/model.pretrained=\S*pretrain\/resnet18/);
  expect(r.pretraining).toHaveLength(1);
  expect(r.pretraining[0].arch).toBe('resnet18');
  expect(r.pretraining[0].command).toMatch(/^resdet classify train configs\/classify\/fmnist_imagenet_style_pretrain.yaml /);
  expect(r.setup).toMatchObject({ width: 0.25, iterations: ITERS, trainCanvases: 16, testCanvases: 8, pretrainImages: 256, pretrainImageSize: 64 });
  expect(typeof r.commit === 'string' || r.commit === null).toBe(true);
  expect(r.seconds).toBeGreaterThan(0);
  // the test canvases' class 'T-shirt/top' gets a devkit file without a path separator (%-escaped: run/safe_file_name.ts), named by the split (val)
  expect(fs.existsSync(path.join(out, 'resnet18-scratch-s0', 'eval', `step-${ITERS}`, 'voc_results', 'comp4_det_val_T-shirt%2Ftop.txt'))).toBe(true);
  const table = fs.readFileSync(path.join(out, 'table.md'), 'utf8');
  expect(table).toMatch(/\| resnet18-scratch \| 0 \| /);
  expect(table).toMatch(/\| resnet18-pretrained \| 0 \| /);
  expect(table).toMatch(/\| resnet18 \| \d\.\d{4} \| 10000 \|/);
  const png = await sharp(path.join(out, 'transfer.png')).metadata();
  expect(png.format).toBe('png');
  expect(png.width).toBeGreaterThan(400);
});

gate.test('run again: finished runs are skipped and the results are the same', () => {
  const before = fs.readFileSync(path.join(out, 'results.json'), 'utf8');
  const again = runCli(tiny, native);
  expect(again.code).toBe(0);
  expect(again.stderr.match(/finished earlier, skipped/g)).toHaveLength(3);
  const a = JSON.parse(before) as TransferResults;
  const b = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as TransferResults;
  expect(b.runs.map((x) => x.final)).toEqual(a.runs.map((x) => x.final));
});

gate.test('a run that did not finish resumes from its checkpoint', () => {
  const run = path.join(out, 'resnet18-scratch-s0');
  const final = JSON.parse(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8'));
  fs.rmSync(path.join(run, 'metrics.json')); // as if stopped after its last checkpoint
  const again = runCli(tiny, native);
  expect(again.code).toBe(0);
  expect(again.stderr.match(/finished earlier, skipped/g)).toHaveLength(2);
  const log = JsonlLog.read(path.join(run, 'log.jsonl'));
  expect(log.filter((x) => x.type === 'resume').map((x) => x.step)).toEqual([ITERS]);
  const resumed = JSON.parse(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8'));
  expect(resumed.voc07_map50).toBeCloseTo(final.voc07_map50, 6);
});

gate.test('a run folder made with another config is refused, not mixed', () => {
  const r = runCli([...tiny.filter((a) => a !== '--quiet'), '--set', 'solver.lr=0.01'], native);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/resnet18-scratch-s0: this run folder was made with another config \(solver.lr differs\)/);
});

gate.test.each([
  [['--variants', 'resnet50-pretrained'], /--variants: unknown variant 'resnet50-pretrained' \(known: resnet18-scratch, resnet18-pretrained, plain18-pretrained, resnet34-pretrained\)/],
  [['--width', '0.3'], /--width: must be 0.25 or 0.5, got 0.3/],
  [['--iters', '0'], /--iters must be a positive integer, got '0'/],
  [['--pretrain-epochs', '0'], /--pretrain-epochs must be positive, got 0/],
  [['--seeds', 'a'], /--seeds: expected non-negative integers/],
  [['--data', '/nonexistent/fashion'], /Fashion-MNIST: .*\/nonexistent\/fashion/],
])('bad input %p: one message, exit 2', (args, message) => {
  const r = runCli(['reproduce', 'transfer', '--out', path.join(tmp, 'bad'), ...args], native);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n').filter((l) => /error/.test(l))).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
