/**
 * How the CLI ends on bad input: one clear message (naming the file or key) on stderr and exit code 2.
 * Known error kinds are user errors; anything else is a bug and prints its stack.
 */
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../run/config';
import { CheckpointError } from '../run/checkpoint';
import { BackendError } from '../engine/backend';
import { WeightsFileError } from '../engine/host_tensor';
import { DatasetError } from '../datasets/classification/types';
import { UnknownArchError } from '../backbone/archs';
import { InterruptedError } from '../run/interrupt';
import { DiskFullError } from '../engine/atomic_write';
import { EvalInputError } from '../eval/eval_error';
import { ReproduceError } from '../reproduce/reproduce_error';
import { ClassAlignmentError } from '../detection/class_alignment';
import { FinalEvalError } from '../run/training_harness';
import { ReportError } from '../run/report/report_error';
import { BenchSetupError } from '../detection/detector_bench';
import { OnnxExportError } from '../export/onnx/export_error';
import { OnnxRuntimeError } from '../export/runtime/onnxruntime';
import { beforeFailing, DistributedError } from '../engine/distributed/world';

export class UsageError extends Error {}

const USER_ERRORS = [
  UsageError, ConfigError, CheckpointError, BackendError, WeightsFileError, DatasetError, UnknownArchError, EvalInputError, ReproduceError,
  ClassAlignmentError, ReportError, BenchSetupError, OnnxExportError, OnnxRuntimeError, DistributedError,
];

export function isUserError(e: unknown): boolean {
  if (USER_ERRORS.some((k) => e instanceof k)) return true;
  // weights that do not fit the model, files that cannot be read
  const msg = (e as Error)?.message ?? '';
  return /weights do not fit the model|ENOENT|no such file/.test(msg);
}

/** Runs a command's action, turning errors into a message and an exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      await beforeFailing(); // in a job, a failure every process meets is reported once, by rank 0
      if (e instanceof InterruptedError) {
        process.stderr.write(`resdet: ${e.message}\n`);
        process.exit(130);
      }
      if (e instanceof DiskFullError) {
        // not the user's input, but nothing a stack trace would help with
        process.stderr.write(`resdet: error: ${e.message}\n`);
        process.exit(1);
      }
      if (e instanceof FinalEvalError) {
        // training is saved; the message says how to evaluate it again; the cause decides the exit code
        process.stderr.write(`resdet: error: ${e.message}\n`);
        process.exit(isUserError(e.cause) ? 2 : 1);
      }
      if (isUserError(e)) {
        process.stderr.write(`resdet: error: ${(e as Error).message}\n`);
        process.exit(2);
      }
      process.stderr.write(`resdet: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exit(1);
    }
  };
}

/** Parses a positive integer flag or fails with the flag's name (commander reports it; exit 2). */
export function intFlag(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got '${v}'`);
    return n;
  };
}

export function numFlag(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${v}'`);
    return n;
  };
}

/** Commander collector for repeatable flags (`--set a=1 --set b=2`). */
export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
