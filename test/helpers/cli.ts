/** Runs the built CLI (building dist/ first if it is missing) and captures its output and exit code. */
import { spawnSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'dist', 'bin', 'resdet.js');

export function ensureBuilt(): void {
  if (!fs.existsSync(BIN)) execSync('npx tsc -p .', { cwd: ROOT, stdio: 'inherit' });
}

export function runCli(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  ensureBuilt();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, RESDET_BACKEND: 'wasm', ...env }, timeout: 300000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const HAS_FASHION_MNIST = fs.existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
