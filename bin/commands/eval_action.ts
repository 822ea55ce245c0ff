/** Shared by the `resdet eval` subcommands: JSON results written atomically, number-list flags. */
import { InvalidArgumentError } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../../engine/atomic_write';
import { UsageError } from '../errors';

export async function writeJson(file: string, value: unknown): Promise<void> {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await atomicWrite(file, [Buffer.from(JSON.stringify(value, null, 2) + '\n')]);
}

/** Parses "1,2,3" into numbers; commander reports a bad value (exit code 2). */
export function numberList(flag: string) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const nums = parts.map(Number);
    if (parts.length === 0 || nums.some((n) => !Number.isFinite(n))) throw new InvalidArgumentError(`${flag} must be comma-separated numbers.`);
    return nums;
  };
}

/** The nearest existing path at or above p. */
function nearestExisting(p: string): { path: string; stat: fs.Stats } {
  let cur = path.resolve(p);
  for (;;) {
    try {
      return { path: cur, stat: fs.statSync(cur) };
    } catch {
      const up = path.dirname(cur);
      if (up === cur) throw new UsageError(`${p}: no existing folder above it`);
      cur = up;
    }
  }
}

/** Checked before any work: an output file must not be a folder nor lie under a file (one line, exit 2). */
export function checkOutputFile(flag: string, file: string | undefined): void {
  if (!file) return;
  const at = nearestExisting(file);
  if (at.path === path.resolve(file) && at.stat.isDirectory()) throw new UsageError(`${flag} ${file}: is a folder; give a file name`);
  if (at.path !== path.resolve(file) && !at.stat.isDirectory()) throw new UsageError(`${flag} ${file}: ${at.path} is a file, not a folder`);
}

/** Checked before any work: an output folder must not be, or lie under, a file (one line, exit 2). */
export function checkOutputDir(flag: string, dir: string | undefined): void {
  if (!dir) return;
  const at = nearestExisting(dir);
  if (!at.stat.isDirectory()) throw new UsageError(`${flag} ${dir}: ${at.path} is a file, not a folder`);
}
