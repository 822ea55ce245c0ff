/**
 * Data-parallel training and sharded evaluation through `resdet launch` (issue 17), against one process:
 * - 2 processes x 2 images per step train the same parameters as 1 process x 4 images (5 steps, float
 *   tolerance) for ResNet-20 on Fashion-MNIST (frozen batch norm: with batch statistics each process would
 *   normalise over its own 2 images, not the 4 of the single process — README, "Distributed") and for the demo
 *   detector at 64 px (its batch norm frozen); the logged losses are the global batch's;
 * - a run trained by 1 process resumes with 2 and ends where 1 process would;
 * - sharded eval model and predict write exactly the files of one process;
 * - a killed process ends the job within seconds with a message; a failure every process meets is said once;
 * - Ctrl-C (to the launcher's process group, as a terminal sends it): every process stops at the same step,
 *   rank 0 saves a checkpoint and says so once, exit 130;
 * - bad input to launch: exit 2, one line.
 * The equivalence runs use the native backend when it is built (else wasm); the single process of the exact
 * comparisons computes with 1 thread, like each of the 2 processes on this 2-core machine.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCli, ROOT } from '../helpers/cli';
import { missing, requires } from '../helpers/requirements';
import { tempDir } from '../helpers/temp_dir';
import { JsonlLog } from '../../run/jsonl_log';
import { readSafetensors } from '../../engine/safetensors';
import { toFloat32 } from '../../engine/host_tensor';

const mpi = requires('mpi');
const mpiFm = requires('mpi', 'fashion-mnist');
const ENV = { RESDET_BACKEND: missing('native') ? 'wasm' : 'native' };
const ONE_THREAD = { ...ENV, RESDET_THREADS: '1' };
const tmp = tempDir('launch');

const launch = (n: number, args: string[], env: Record<string, string> = ENV) => runCli(['launch', '--nproc', String(n), '--', ...args], env);
const records = (run: string, type: string) => JsonlLog.read(path.join(run, 'log.jsonl')).filter((r) => r.type === type);
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /^resdet: (rank \d+: )?(error|internal error)/.test(l));

/** The largest |a - b| - rtol·|b| over the tensors of two checkpoints (same names), and where. */
async function checkpointGap(a: string, b: string, rtol = 1e-3): Promise<{ gap: number; name: string; tensors: number }> {
  const [x, y] = await Promise.all([readSafetensors(a), readSafetensors(b)]);
  expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
  let gap = -Infinity;
  let name = '';
  for (const [k, t] of x) {
    const u = toFloat32(t);
    const v = toFloat32(y.get(k)!);
    for (let i = 0; i < u.length; i++) {
      const g = Math.abs(u[i] - v[i]) - rtol * Math.abs(v[i]);
      if (g > gap) [gap, name] = [g, k];
    }
  }
  return { gap, name, tensors: x.size };
}

/** Each step's loss in two runs' logs: the same to float32 rounding of sums in another order. */
function expectSameLosses(a: string, b: string, steps: number): void {
  const la = records(a, 'train').map((r) => r.loss as number);
  const lb = records(b, 'train').map((r) => r.loss as number);
  expect(la).toHaveLength(steps);
  la.forEach((l, i) => expect(l).toBeCloseTo(lb[i], 4));
}

describe('bad input to launch', () => {
  test('--nproc 0, no command, a command that does not share its work, no mpirun: exit 2, one line', () => {
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['launch', '--nproc', '0', '--', 'train', 'x.yaml'], /--nproc must be a positive integer, got '0'/],
      [['launch', '--nproc', '2'], /no command to launch: name it after --/],
      [['launch', '--nproc', '2', '--'], /no command to launch/],
      [['launch', '--nproc', '2', '--', 'data', 'synth', '--out', path.join(tmp, 'x'), '--images', '2'], /resdet data synth cannot be launched as several processes; these can: train, finetune, classify train, eval model, predict/],
      [['launch', '--nproc', '2', '--', 'train', 'x.yaml'], /Open MPI's \/nonexistent\/mpirun not found: apt-get install libopenmpi-dev openmpi-bin/, { RESDET_MPIRUN: '/nonexistent/mpirun' }],
    ];
    for (const [args, message, env] of cases) {
      const r = runCli(args, env);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    }
  });
});

mpiFm.describe('ResNet-20, 2 processes x 2 images = 1 process x 4 images', () => {
  test('the same parameters after 5 steps (frozen batch norm, augmentation on), the same logged losses', async () => {
    // 20 images = 5 steps of 4; pad-crop and flip drawn per image in the whole batch's order. SGD, not the flag
    // recipe's AdamW: Adam divides each gradient by its own running size, so on its first steps the last-bit
    // differences of a sum split over 2 processes move a parameter by up to lr, not by ~1e-7 of it
    const args = (out: string) => [
      'classify', 'train', '--dataset', 'fashion-mnist', '--limit', '20', '--batch-size', '4', '--epochs', '1', '--out', out, '--quiet',
      '--set', 'solver.optimizer=sgd', '--set', 'model.batchNorm=frozen', '--set', 'data.augment.padCrop=2', '--set', 'data.augment.flip=true', '--set', 'data.testLimit=8',
    ];
    const one = path.join(tmp, 'cls-1');
    const two = path.join(tmp, 'cls-2');
    const [r1, r2] = [runCli(args(one), ENV), launch(2, args(two))];
    expect(r1.stderr).not.toMatch(/error/);
    expect(r2.stderr).not.toMatch(/error/);
    expect([r1.code, r2.code]).toEqual([0, 0]);
    const gap = await checkpointGap(path.join(one, 'step-0000005.safetensors'), path.join(two, 'step-0000005.safetensors'));
    expect(gap.gap).toBeLessThan(1e-5);
    expectSameLosses(one, two, 5);
    expect(records(two, 'start')).toEqual([expect.objectContaining({ processes: 2, threads: ENV.RESDET_BACKEND === 'native' ? 1 : expect.anything() })]);
    // rank 0 alone prints: one summary on stdout
    expect(r2.stdout.match(/^trained resnet20/gm)).toHaveLength(1);
  });
});

mpi.describe('the demo detector on 8 synthetic images at 64 px, frozen batch norm', () => {
  const data = path.join(tmp, 'det-data');
  const sets = (maxIters: number) => [
    'model.pretrained=null', `data.train.path=${data}`, `data.test.path=${data}`, 'data.train.split=train', 'data.test.split=train',
    'model.batchNorm=frozen', 'data.shortSides=[64]', 'data.maxSize=96', 'data.testShortSide=64', `solver.maxIters=${maxIters}`,
    'solver.warmupIters=0', 'solver.steps=[0.99]', 'checkpoint.period=100', 'eval.period=0', 'eval.limit=2',
  ];
  const train = (out: string, maxIters: number, ...extra: string[]) =>
    ['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', out, '--quiet', ...extra, ...sets(maxIters).flatMap((s) => ['--set', s])];
  const one = path.join(tmp, 'det-1');
  const two = path.join(tmp, 'det-2');

  beforeAll(() => {
    expect(runCli(['data', 'synth', '--out', data, '--images', '8', '--seed', '3']).code).toBe(0);
  });

  test('2 processes x 2 images train the parameters of 1 process x 4 images (5 steps); losses the global batch\'s; tensor count flat', async () => {
    const [r1, r2] = [runCli(train(one, 5), ENV), launch(2, train(two, 5))];
    expect([r1.code, r2.code]).toEqual([0, 0]);
    const gap = await checkpointGap(path.join(one, 'step-0000005.safetensors'), path.join(two, 'step-0000005.safetensors'));
    expect(gap.gap).toBeLessThan(1e-5);
    expectSameLosses(one, two, 5);
    const steps = records(two, 'train');
    for (const part of ['loss_objectness', 'loss_rpn_box_reg', 'loss_classifier', 'loss_box_reg']) {
      steps.forEach((s, i) => expect(s[part] as number).toBeCloseTo(records(one, 'train')[i][part] as number, 4));
    }
    expect(new Set(steps.map((s) => s.tensors)).size).toBe(1);
    expect(fs.existsSync(path.join(two, 'config.yaml'))).toBe(true);
    expect(r2.stdout.match(/^checkpoint: /gm)).toHaveLength(1);
  });

  test('a run of 1 process resumes with 2 and ends where 1 process would', async () => {
    const resumed = path.join(tmp, 'det-resumed');
    expect(runCli(train(resumed, 3), ENV).code).toBe(0);
    const r = launch(2, train(resumed, 5, '--resume'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/resuming with 2 process\(es\), the checkpoint was trained by 1/);
    const gap = await checkpointGap(path.join(one, 'step-0000005.safetensors'), path.join(resumed, 'step-0000005.safetensors'));
    expect(gap.gap).toBeLessThan(1e-5);
    expect(records(resumed, 'train').map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
  });

  test('sharded eval model and predict write exactly the files of one process', () => {
    const low = ['--set', 'model.roiHeads.scoreThresh=0.001']; // an untrained detector: keep its low scores, many detections
    const evalArgs = (out: string) => ['eval', 'model', '--weights', one, '--out', out, '--quiet', ...low];
    const [e1, e2] = [path.join(tmp, 'eval-1'), path.join(tmp, 'eval-2')];
    expect(runCli(evalArgs(e1), ONE_THREAD).code).toBe(0);
    const r = launch(2, evalArgs(e2));
    expect(r.code).toBe(0);
    for (const f of ['detections.json', 'ground_truth.json', 'metrics.json']) {
      expect({ f, same: fs.readFileSync(path.join(e2, f), 'utf8') === fs.readFileSync(path.join(e1, f), 'utf8') }).toEqual({ f, same: true });
    }
    expect(JSON.parse(fs.readFileSync(path.join(e1, 'detections.json'), 'utf8')).length).toBeGreaterThan(100);
    expect(r.stdout.match(/^COCO bbox \(8 images\)/gm)).toHaveLength(1);
    const images = path.join(data, 'train');
    const predictArgs = (out: string) => ['predict', images, '--weights', one, '--out', out, '--quiet', '--score-thresh', '0.01', ...low];
    const [p1, p2] = [path.join(tmp, 'pred-1'), path.join(tmp, 'pred-2')];
    expect(runCli(predictArgs(p1), ONE_THREAD).code).toBe(0);
    expect(launch(2, predictArgs(p2)).code).toBe(0);
    expect(fs.readFileSync(path.join(p2, 'detections.json'), 'utf8')).toBe(fs.readFileSync(path.join(p1, 'detections.json'), 'utf8'));
    expect(fs.readdirSync(p2).sort()).toEqual(fs.readdirSync(p1).sort()); // every drawn image, by whichever process
  });

  test('a killed process ends the job within seconds, with a message; a failure every process meets is said once', async () => {
    const out = path.join(tmp, 'killed');
    const job = startLaunch(train(out, 1000));
    await untilSteps(out, 1);
    const victim = rankPid(1, out);
    expect(victim).not.toBeNull();
    process.kill(victim!, 'SIGKILL');
    const killed = Date.now();
    const code = await within(job.done, 30_000);
    if (code === 'hung') process.kill(-job.pid, 'SIGTERM'); // the launcher ends mpirun and its processes
    const stderr = job.stderr();
    expect(code).toBe(137);
    expect(Date.now() - killed).toBeLessThan(15_000);
    expect(stderr).toMatch(/resdet: mpirun: .*process rank 1 .* exited on signal 9 \(Killed\)/);
    expect(stderr).toMatch(/every process of the job was stopped; .*--resume/);
    expect(stderr).not.toMatch(/-{20}/); // mpirun's framed messages are one line each

    const bad = launch(2, ['train', path.join(tmp, 'no-such.yaml'), '--out', path.join(tmp, 'bad')]);
    expect(bad.code).toBe(2);
    expect(errorLines(bad.stderr)).toEqual([expect.stringMatching(/^resdet: error: .*no-such\.yaml/)]);
    expect(bad.stderr).not.toMatch(/MPI_ABORT|-{20}/);
  });

  test('Ctrl-C: every process stops at the same step, rank 0 saves a checkpoint and says so once, exit 130', async () => {
    const out = path.join(tmp, 'interrupted');
    const job = startLaunch(train(out, 1000));
    await untilSteps(out, 2);
    process.kill(-job.pid, 'SIGINT'); // the terminal's Ctrl-C: to the launcher's process group (mpirun has its own)
    const code = await within(job.done, 60_000);
    if (code === 'hung') process.kill(-job.pid, 'SIGTERM'); // the launcher ends mpirun and its processes
    expect(code).toBe(130);
    const said = job.stderr().split('\n').filter((l) => /interrupted at step/.test(l));
    expect(said).toEqual([expect.stringMatching(/^resdet: interrupted at step (\d+); checkpoint \S+step-\d+\.safetensors; run the same command again with --resume/)]);
    const step = Number(/at step (\d+)/.exec(said[0])![1]);
    expect(records(out, 'interrupted')).toEqual([expect.objectContaining({ step })]);
    expect(fs.existsSync(path.join(out, `step-${String(step).padStart(7, '0')}.optim.safetensors`))).toBe(true);
    expect(errorLines(job.stderr())).toEqual([]);
  });
});

/** `resdet launch` in its own process group (as from a terminal), its stderr, and its end. */
function startLaunch(args: string[]): { pid: number; stderr: () => string; done: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bin', 'resdet.js'), 'launch', '--nproc', '2', '--', ...args], {
    cwd: ROOT, env: { ...process.env, ...ENV }, detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return { pid: child.pid!, stderr: () => stderr, done: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
}

/** Waits (up to a minute) until the run in `out` has logged `steps` training steps. */
async function untilSteps(out: string, steps: number): Promise<void> {
  const started = Date.now();
  while (!(fs.existsSync(path.join(out, 'log.jsonl')) && records(out, 'train').length >= steps) && Date.now() - started < 60_000) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `done`, or 'hung' after `ms`. */
async function within<T>(done: Promise<T>, ms: number): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([done, new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)))]);
  clearTimeout(timer);
  return r;
}

/** The pid of the process of rank `rank` of the job training into `out` (Open MPI tells each its rank in its environment). */
function rankPid(rank: number, out: string): number | null {
  for (const p of fs.readdirSync('/proc').filter((f) => /^\d+$/.test(f))) {
    try {
      const argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => a.endsWith('resdet.js')) || !argv.includes(out) || argv.includes('launch')) continue;
      if (fs.readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`OMPI_COMM_WORLD_RANK=${rank}`)) return Number(p);
    } catch {
      /* gone meanwhile */
    }
  }
  return null;
}
