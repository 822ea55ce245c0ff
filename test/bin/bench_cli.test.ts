/**
 * `resdet bench`: a tiny training and inference run write consistent JSON figures; --profile sums kernel
 * times by name and input shapes; bad input (unknown architecture or mode, a non-positive batch, an unknown
 * flag) ends with one message and exit code 2.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';

const tmp = () => tempDir('bench');

function checkFigures(r: Record<string, unknown>, batch: number, steps: number): void {
  for (const k of ['images_per_s', 'ms_per_batch', 'ms_min', 'images_per_s_max']) {
    expect(typeof r[k]).toBe('number');
    expect(r[k] as number).toBeGreaterThan(0);
  }
  const ips = r.images_per_s as number;
  const ms = r.ms_per_batch as number;
  expect(Math.abs(ips - (batch * 1000) / ms) / ips).toBeLessThan(0.01);
  expect(r.ms_min as number).toBeLessThanOrEqual(ms);
  expect(r.times_ms as number[]).toHaveLength(steps);
  expect(r.load_average as number[]).toHaveLength(3);
  expect(r.batch).toBe(batch);
}

describe('resdet bench', () => {
  test('a tiny training run writes positive, consistent figures', () => {
    const json = path.join(tmp(), 'out.json');
    const r = runCli(['bench', '--arch', 'resnet20', '--mode', 'train', '--batch', '2', '--steps', '1', '--warmup', '0', '--json', json]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/resnet20 train batch 2 3x32x32 on wasm .* img\/s/);
    const got = JSON.parse(fs.readFileSync(json, 'utf8'));
    checkFigures(got, 2, 1);
    expect(got).toMatchObject({ arch: 'resnet20', mode: 'train', size: 32, channels: 3, steps: 1, warmup: 0, backend: 'wasm' });
    expect(got.threads).toBeGreaterThanOrEqual(1); // 1 unless RESDET_THREADS asks for more (engine/wasm_threads.ts)
  });

  test('inference with one channel, a size and more steps', () => {
    const json = path.join(tmp(), 'out.json');
    const r = runCli(['bench', '--arch', 'resnet20', '--mode', 'infer', '--batch', '3', '--size', '28', '--channels', '1', '--steps', '3', '--warmup', '1', '--json', json]);
    expect(r.code).toBe(0);
    const got = JSON.parse(fs.readFileSync(json, 'utf8'));
    checkFigures(got, 3, 3);
    expect(got).toMatchObject({ mode: 'infer', size: 28, channels: 1 });
  });

  test('--profile: kernel ms by name and by input shapes, in the output and the JSON', () => {
    const json = path.join(tmp(), 'out.json');
    const r = runCli(['bench', '--arch', 'resnet20', '--mode', 'infer', '--batch', '2', '--steps', '1', '--warmup', '0', '--profile', '--json', json]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kernels of one profiled step/);
    expect(r.stdout).toMatch(/FusedConv2D 2x32x32x3 3x3x3x16 16/);
    const { profile } = JSON.parse(fs.readFileSync(json, 'utf8'));
    const calls = (name: string) => profile.by_name.find((k: { key: string }) => k.key === name).calls;
    expect(calls('FusedConv2D')).toBe(19); // 3x3 convolutions with batch norm folded in (eval mode)
    expect(calls('Conv2D')).toBe(2); // option-A shortcuts
    expect(profile.total_ms).toBeGreaterThan(0);
    expect(profile.by_shape.reduce((a: number, k: { calls: number }) => a + k.calls, 0))
      .toBe(profile.by_name.reduce((a: number, k: { calls: number }) => a + k.calls, 0));
  });

  test.each([
    [['--arch', 'resnet21', '--mode', 'infer', '--batch', '1'], /unknown architecture 'resnet21'/],
    [['--arch', 'resnet20', '--mode', 'infer', '--batch', '0'], /--batch must be a positive integer, got '0'/],
    [['--arch', 'resnet20', '--mode', 'infer', '--batch', '-4'], /--batch must be a positive integer/],
    [['--arch', 'resnet20', '--mode', 'fly', '--batch', '1'], /--mode must be one of train, infer, got 'fly'/],
    [['--arch', 'resnet20', '--mode', 'infer', '--batch', '1', '--warmup', 'x'], /--warmup must be a non-negative integer/],
    [['--arch', 'resnet20', '--batch', '1'], /required option '--mode/],
    [['--arch', 'resnet20', '--mode', 'infer', '--batch', '1', '--bogus'], /unknown option '--bogus'/],
    [['--arch', 'resnet20', '--mode', 'infer'], /--batch is required with --arch/],
    [['--mode', 'infer'], /give --arch \(a classifier\) or --config \(a detector\)/],
    [['--arch', 'resnet20', '--config', 'configs/demo.yaml', '--mode', 'infer'], /not both/],
    [['--config', 'configs/demo.yaml', '--mode', 'fly'], /--mode must be train or infer, got 'fly'/],
    [['--config', 'configs/demo.yaml', '--mode', 'infer', '--size', '600'], /--size must be HEIGHTxWIDTH/],
    [['--config', 'configs/nope.yaml', '--mode', 'infer'], /nope\.yaml/],
    [['--config', 'configs/demo.yaml', '--mode', 'infer', '--size', '64x64', '--classes', '4', '--proposals', '100000'],
      /the box head would get \d+ proposals, not 100000: the image has too few anchors/],
  ])('bad input %j: one message, exit code 2', (args, message) => {
    const r = runCli(['bench', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  });

  describe('detectors (--config)', () => {
    const base = ['bench', '--config', 'configs/demo.yaml', '--size', '96x128', '--classes', '4', '--steps', '2', '--warmup', '1'];

    test('training: seconds per step with exactly --rois RoIs at the box head, peak RSS, a flat tensor count', () => {
      const json = path.join(tmp(), 'train.json');
      const r = runCli([...base, '--mode', 'train', '--rois', '32', '--json', json]);
      expect([r.code, r.stderr]).toEqual([0, '']);
      const j = JSON.parse(fs.readFileSync(json, 'utf8'));
      expect(j).toMatchObject({ config: 'configs/demo.yaml', mode: 'train', size: '96x128', rois: 32, backend: 'wasm', steps: 2 });
      expect(j.s_per_step).toBeGreaterThan(0);
      expect(j.times_ms).toHaveLength(2);
      expect(Math.abs(j.s_per_step * 1000 - (j.times_ms[0] + j.times_ms[1]) / 2)).toBeLessThan(1);
      expect(j.peak_rss_mb).toBeGreaterThan(50);
      expect(j.tensors[1]).toBe(j.tensors[0]);
      expect(Number.isInteger(j.gradient_floats) && j.gradient_floats > 1e5).toBe(true);
      expect(j.losses.every((l: number) => Number.isFinite(l))).toBe(true);
      expect(r.stdout).toMatch(/^configs\/demo\.yaml train 1x3x96x128 on wasm \(\d+ threads?\): [\d.]+ s\/step \(32 RoIs to the box head\), peak RSS \d+ MB/);
    });

    test('--batch-norm config: frozen batch norm and frozen stages as the config says, calibrated, fewer trainable floats', () => {
      const dir = tmp();
      const frozen = path.join(dir, 'frozen.yaml');
      const demo = fs.readFileSync('configs/demo.yaml', 'utf8');
      fs.writeFileSync(frozen, demo.replace('batchNorm: train', 'batchNorm: frozen').replace('freezeAt: 0', 'freezeAt: 2'));
      const run = (mode: string) => {
        const json = path.join(dir, `${mode}.json`);
        const r = runCli([...base.map((a) => (a === 'configs/demo.yaml' ? frozen : a)), '--mode', 'train', '--rois', '32', '--batch-norm', mode, '--json', json]);
        expect([r.code, r.stderr]).toEqual([0, '']);
        return { stdout: r.stdout, j: JSON.parse(fs.readFileSync(json, 'utf8')) };
      };
      const asConfig = run('config');
      const trainable = run('train');
      expect(asConfig.j.batch_norm).toBe('config');
      expect(trainable.j.batch_norm).toBe('train');
      expect(asConfig.stdout).toMatch(/threads?, batch norm as the config says\)/);
      // frozen: no batch-norm weights, no stem or res2 weights among the trained floats
      expect(asConfig.j.gradient_floats).toBeLessThan(trainable.j.gradient_floats);
      expect(asConfig.j.losses.every((l: number) => Number.isFinite(l))).toBe(true);
      expect(asConfig.j.tensors[1]).toBe(asConfig.j.tensors[0]);
      const bad = runCli([...base, '--mode', 'train', '--batch-norm', 'frozen']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--batch-norm must be one of train, config, got 'frozen'/);
    });

    test('inference: seconds per image with exactly --proposals proposals at the box head', () => {
      const json = path.join(tmp(), 'infer.json');
      const r = runCli([...base, '--mode', 'infer', '--proposals', '50', '--json', json, '--profile']);
      expect([r.code, r.stderr]).toEqual([0, '']);
      const j = JSON.parse(fs.readFileSync(json, 'utf8'));
      expect(j).toMatchObject({ mode: 'infer', proposals: 50 });
      expect(j.s_per_image).toBeGreaterThan(0);
      expect(j.detections).toBeGreaterThan(0);
      // --profile: one more step's kernels by name, the calls summing to the by-shape calls
      const calls = (rows: Array<{ calls: number }>) => rows.reduce((a, k) => a + k.calls, 0);
      // in eval mode every convolution is fused (batch norm folded in, or its bias as a post-op)
      expect(j.profile.by_name.map((k: { key: string }) => k.key)).toContain('FusedConv2D');
      expect(calls(j.profile.by_name)).toBe(calls(j.profile.by_shape));
      expect(r.stdout).toMatch(/kernels of one profiled step/);
    });
  });
});
