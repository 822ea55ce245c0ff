/** Shared by the `resdet eval` subcommands: JSON results written atomically, number-list flags. */
import { InvalidArgumentError } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../../engine/atomic_write';

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
