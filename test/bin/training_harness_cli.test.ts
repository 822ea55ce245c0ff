/**
 * The training harness (run/training_harness.ts) through the CLI: Ctrl-C during training and during the final
 * evaluation, run folders (stale temp files, a run already there, --force, --resume without a checkpoint, an
 * incomplete checkpoint), a final evaluation that fails, and a full disk. Native backend, one thread.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, ROOT, HAS_FASHION_MNIST } from '../helpers/cli';
import { interruptAfterSteps, interruptWhen, startCli } from '../helpers/interrupt';
import { JsonlLog } from '../../run/jsonl_log';

const ENV = { RESDET_BACKEND: 'native', RESDET_THREADS: '1' };
const FM = '/usr/share/datasets/fashion-mnist';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-harness-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** the detector trained (2 steps) by the Ctrl-C test, and its data, for fine-tuning */
let detector: { ckpt: string; data: string } | null = null;
const folder = () => path.join(tmp, `run-${n++}`);
/** `classify train` of ResNet-20 on the first `limit` Fashion-MNIST images, batches of 32. */
const classify = (out: string, limit: number, epochs: number, ...extra: string[]) => [
  'classify', 'train', '--arch', 'resnet20', '--limit', String(limit), '--batch-size', '32', '--epochs', String(epochs),
  '--out', out, '--quiet', '--set', 'data.testLimit=64', ...extra,
];
const trainSteps = (out: string) => JsonlLog.read(path.join(out, 'log.jsonl')).filter((r) => r.type === 'train').map((r) => r.step);
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |internal error/);
/** stderr without the backend line every command starts with */
const messages = (stderr: string) => stderr.trim().split('\n').filter((l) => !l.startsWith('resdet: using '));

beforeAll(() => expect(HAS_FASHION_MNIST).toBe(true));

/**
 * `args` again into `out`, which holds a finished run: refused (exit 2, one line, the log untouched); with --force:
 * a fresh run, the old files moved into previous-<time>/. Returns that folder's name.
 */
function expectRefusedThenForced(args: string[], out: string): string {
  const log = fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8');
  const again = runCli(args, ENV);
  expect(again.code).toBe(2);
  expect(messages(again.stderr)).toEqual([expect.stringMatching(/^resdet: error: .* already holds a run .*--resume.*--force/)]);
  expect(fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8')).toBe(log);
  const forced = runCli([...args, '--force'], ENV);
  expect(forced.code).toBe(0);
  expect(forced.stderr).toMatch(/starting over \(--force\): the earlier run's files are in .*previous-/);
  const previous = fs.readdirSync(out).filter((f) => f.startsWith('previous-'));
  expect(previous).toHaveLength(1);
  expect(fs.readFileSync(path.join(out, previous[0], 'log.jsonl'), 'utf8')).toBe(log);
  expect(JsonlLog.read(path.join(out, 'log.jsonl')).filter((r) => r.type === 'start')).toHaveLength(1);
  return previous[0];
}

test('Ctrl-C in classify train stops within a few steps (not at the end of the epoch), saves, exits 130; --resume finishes', async () => {
  const out = folder();
  // 640 images = 20 steps in the one epoch
  const stopped = await interruptAfterSteps(classify(out, 640, 1), path.join(out, 'log.jsonl'), 2, ENV);
  noStack(stopped.stderr);
  expect(stopped.code).toBe(130);
  const m = /resdet: interrupted at step (\d+); checkpoint (\S+); run the same command again with --resume to continue/.exec(stopped.stderr);
  expect(m).not.toBeNull();
  const at = Number(m![1]);
  expect(at).toBeGreaterThanOrEqual(2);
  expect(at).toBeLessThan(20);
  expect(m![2]).toBe(path.join(out, `step-${String(at).padStart(7, '0')}.safetensors`));
  expect(fs.existsSync(m![2])).toBe(true);
  expect(fs.readFileSync(path.join(out, 'last_checkpoint'), 'utf8').trim()).toBe(`step-${String(at).padStart(7, '0')}`);
  expect(trainSteps(out)).toEqual(Array.from({ length: at }, (_, i) => i + 1));
  expect(fs.existsSync(path.join(out, 'metrics.json'))).toBe(false);

  // resumed with another thread count forced by RESDET_THREADS: said, since the sums inside oneDNN then add up in another order
  const resumed = runCli([...classify(out, 640, 1), '--resume'], { ...ENV, RESDET_THREADS: '2' });
  expect(resumed.code).toBe(0);
  expect(resumed.stderr).toMatch(/resuming with 2 thread\(s\), the run so far used 1: .*RESDET_THREADS sets 2; unset it, or set 1/);
  expect(trainSteps(out)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  expect(JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8')).images).toBe(64);
});

test('Ctrl-C during a detector\'s final evaluation: one message naming the kept checkpoint and how to evaluate it, exit 130', async () => {
  const data = path.join(tmp, 'det-train');
  const test = path.join(tmp, 'det-test');
  expect(runCli(['data', 'synth', '--out', data, '--images', '2', '--seed', '5', '--format', 'coco', '--split', 'train']).code).toBe(0);
  expect(runCli(['data', 'synth', '--out', test, '--images', '40', '--seed', '6', '--format', 'coco', '--split', 'train']).code).toBe(0);
  const out = folder();
  const sets = ['model.pretrained=null', `data.train.path=${data}`, `data.test.path=${test}`, 'data.train.split=train', 'data.test.split=train',
    'solver.maxIters=2', 'solver.imsPerBatch=2'];
  const args = ['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', out, '--quiet', ...sets.flatMap((s) => ['--set', s])];
  const stopped = await interruptWhen(args, path.join(out, 'log.jsonl'), (rs) => rs.some((r) => r.type === 'final_eval_start'), ENV);
  noStack(stopped.stderr);
  expect(stopped.code).toBe(130);
  const ckpt = path.join(out, 'step-0000002.safetensors');
  expect(stopped.stderr).toContain(`resdet: interrupted during the final evaluation; training finished and its checkpoint ${ckpt} is kept; evaluate it with: resdet eval model --weights ${ckpt}`);
  expect(fs.existsSync(ckpt)).toBe(true);
  expect(trainSteps(out)).toEqual([1, 2]);
  detector = { ckpt, data };
});

test('finetune into a folder that holds a run is refused; --force starts over and keeps the old run aside', () => {
  expect(detector).not.toBeNull();
  const out = folder();
  const args = ['finetune', '--weights', detector!.ckpt, '--data', detector!.data, '--split', 'train', '--iters', '2', '--out', out, '--quiet'];
  expect(runCli(args, ENV).code).toBe(0);
  const previous = expectRefusedThenForced(args, out);
  expect(fs.existsSync(path.join(out, previous, 'step-0000002.safetensors'))).toBe(true);
  expect(trainSteps(out)).toEqual([1, 2]);
});

describe('run folders of classify train', () => {
  const out = folder();
  const args = classify(out, 64, 3); // 2 steps an epoch, 6 steps, a checkpoint every epoch

  test('stale temp files are removed on start; a second run into the folder is refused; --force sets the old run aside', () => {
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'step-0000002.safetensors.tmp-999999999'), 'left by a killed writer');
    fs.writeFileSync(path.join(out, `notes.txt.tmp-${process.pid}`), 'a live process is writing this');
    const first = runCli(args, ENV);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/removed 1 temporary file\(s\) left by an interrupted write: step-0000002\.safetensors\.tmp-999999999/);
    expect(fs.existsSync(path.join(out, 'step-0000002.safetensors.tmp-999999999'))).toBe(false);
    expect(fs.existsSync(path.join(out, `notes.txt.tmp-${process.pid}`))).toBe(true);
    expect(trainSteps(out)).toEqual([1, 2, 3, 4, 5, 6]);
    const previous = expectRefusedThenForced(args, out);
    expect(fs.existsSync(path.join(out, previous, 'step-0000006.safetensors'))).toBe(true);
    expect(trainSteps(out)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('--resume skips a checkpoint missing its optimizer file, with a note, and continues from the one before', () => {
    fs.rmSync(path.join(out, 'step-0000006.optim.safetensors'));
    fs.rmSync(path.join(out, 'metrics.json'));
    const r = runCli([...args, '--resume'], ENV);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ignoring incomplete checkpoint step-0000006 \(no step-0000006\.optim\.safetensors\); resuming from step-0000004/);
    const log = JsonlLog.read(path.join(out, 'log.jsonl'));
    expect(log.filter((x) => x.type === 'resume').map((x) => x.step)).toEqual([4]);
    expect(trainSteps(out)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(fs.existsSync(path.join(out, 'step-0000006.optim.safetensors'))).toBe(true);
  });

  test('--resume in a folder with a log but no checkpoint starts a fresh log and says so', () => {
    const other = folder();
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'log.jsonl'), JSON.stringify({ type: 'train', step: 9, loss: 1 }) + '\n');
    const r = runCli([...classify(other, 64, 1), '--resume'], ENV);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/nothing to resume \(no checkpoint\): the earlier run's files are in .*previous-/);
    expect(trainSteps(other)).toEqual([1, 2]);
  });
});

test('a final evaluation that fails keeps the trained checkpoint and says how to evaluate it again', () => {
  const data = path.join(tmp, 'fm-broken-test');
  fs.mkdirSync(data);
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) fs.symlinkSync(path.join(FM, f), path.join(data, f));
  for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) fs.writeFileSync(path.join(data, f), 'not gzip');
  const out = folder();
  const r = runCli([...classify(out, 64, 1), '--data', data], ENV);
  noStack(r.stderr);
  expect(r.code).not.toBe(0);
  const ckpt = path.join(out, 'step-0000002.safetensors');
  const lines = messages(r.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^resdet: error: the final evaluation failed: .*t10k.*; training finished and its checkpoint .* is kept; evaluate it with: resdet classify eval --weights \S+ --dataset fashion-mnist --data \S+/);
  expect(lines[0]).toContain(`checkpoint ${ckpt} is kept`);
  expect(fs.existsSync(ckpt)).toBe(true);
  expect(trainSteps(out)).toEqual([1, 2]);
  expect(JsonlLog.read(path.join(out, 'log.jsonl')).filter((x) => x.type === 'final_eval_failed')).toHaveLength(1);
});

test('a full disk while saving a checkpoint: one line naming the file and the last good checkpoint; --resume continues from it', async () => {
  const out = folder();
  fs.mkdirSync(out);
  const args = classify(out, 64, 3);
  const run = startCli(args, ENV);
  // the epoch-2 checkpoint's model file is written through FILE.tmp-PID: point that at /dev/full
  const target = path.join(out, 'step-0000004.safetensors');
  fs.symlinkSync('/dev/full', `${target}.tmp-${run.pid}`);
  const r = await run.done;
  noStack(r.stderr);
  expect(r.code).toBe(1);
  expect(messages(r.stderr)).toEqual([
    `resdet: error: no space left writing ${target}; the last good checkpoint is ${path.join(out, 'step-0000002.safetensors')}`,
  ]);
  expect(fs.existsSync(target)).toBe(false);
  expect(fs.readFileSync(path.join(out, 'last_checkpoint'), 'utf8').trim()).toBe('step-0000002');
  const resumed = runCli([...args, '--resume'], ENV);
  expect(resumed.code).toBe(0);
  expect(JsonlLog.read(path.join(out, 'log.jsonl')).filter((x) => x.type === 'resume').map((x) => x.step)).toEqual([2]);
  expect(trainSteps(out)).toEqual([1, 2, 3, 4, 5, 6]);
});
