/** Shared by the `resdet eval` subcommands: bad evaluation input is a user error; JSON results are written atomically. */
import { InvalidArgumentError } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { action, UsageError } from '../errors';
import { EvalInputError } from '../../eval/eval_error';
import { atomicWrite } from '../../engine/safetensors';

export function evalAction<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return action(async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof EvalInputError) throw new UsageError(e.message);
      throw e;
    }
  });
}

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
