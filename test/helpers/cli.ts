/** Runs the built CLI (dist/ is rebuilt before every test run: test/helpers/build_dist.ts) and captures its output and exit code. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { missing } from './requirements';
import { tempDir } from './temp_dir';

export const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'dist', 'bin', 'resdet.js');

export function runCli(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, RESDET_BACKEND: 'wasm', ...env }, timeout: 300000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Kept for tests that branch on it; gate tests with `requires('fashion-mnist')` (test/helpers/requirements.ts) instead. */
export const HAS_FASHION_MNIST = missing('fashion-mnist') === null;

/**
 * A CLI training run on two synthetic images (seed 5: both portrait, so a batch of two sees both), the same
 * images as train and test split: `resdet train configs/CONFIG --out … --quiet --set …` with the data keys set
 * and `sets(dataDir)` added. Returns the run folder and the CLI's result.
 */
export function trainOnTwoImages(
  config: string, sets: (data: string) => string[], env: Record<string, string> = {},
): { out: string; code: number; stdout: string; stderr: string } {
  const tmp = tempDir('two-images');
  const data = path.join(tmp, 'data');
  const synth = runCli(['data', 'synth', '--out', data, '--images', '2', '--seed', '5', '--format', 'coco', '--split', 'train']);
  if (synth.code !== 0) throw new Error(`resdet data synth failed: ${synth.stderr}`);
  const out = path.join(tmp, 'run');
  const all = ['model.pretrained=null', `data.train.path=${data}`, `data.test.path=${data}`, 'data.train.split=train', 'data.test.split=train', ...sets(data)];
  const r = runCli(['train', path.join(ROOT, 'configs', config), '--out', out, '--quiet', ...all.flatMap((s) => ['--set', s])], env);
  return { out, ...r };
}
