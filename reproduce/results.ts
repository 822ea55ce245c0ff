/**
 * `results.json` of a reproduction (`resdet reproduce degradation | transfer`): the schema both claims share,
 * its types, and reading (with validation: one message naming the file and the problem) and atomic writing.
 *
 *   {"claim": "degradation" | "transfer", "dataset": "...", "commit": "...",
 *    "runs": [{"name", "seed", "final": {...}, "curve": [[iteration, train_error, test_error | null], ...],
 *              "seconds", "command"}], ...provenance (backend, threads, epochs, iterations, ...)}
 *
 * `final` holds `train_error` and `test_error` (fractions) for degradation, `voc07_map50`, `coco_ap`,
 * `coco_ap50` for transfer (more keys are allowed).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { atomicWrite } from '../engine/atomic_write';
import { ReproduceError } from './reproduce_error';

export type Claim = 'degradation' | 'transfer';

/** [iteration, training error (or null), test error (or null)] */
export type CurvePoint = [number, number | null, number | null];

export interface ReproductionRun {
  name: string;
  seed: number;
  final: Record<string, number>;
  curve: CurvePoint[];
  /** wall seconds of the run's training (summed over resumptions) */
  seconds: number;
  /** the command that reproduces this run alone */
  command: string;
  [extra: string]: unknown;
}

export interface ReproductionResults {
  claim: Claim;
  dataset: string;
  runs: ReproductionRun[];
  commit: string;
  /** the command that produced the file */
  command?: string;
  backend?: string;
  threads?: number | null;
  [extra: string]: unknown;
}

export const FINAL_KEYS: Record<Claim, string[]> = {
  degradation: ['train_error', 'test_error'],
  transfer: ['voc07_map50', 'coco_ap', 'coco_ap50'],
};

/** Top-level keys each claim's report reads besides the shared ones. */
const CLAIM_KEYS: Record<Claim, string[]> = {
  degradation: [],
  transfer: ['setup', 'pretraining', 'backend', 'seconds'],
};

const numOrNull = { anyOf: [{ type: 'number' }, { type: 'null' }] };
const RUN_SCHEMA = {
  type: 'object',
  required: ['name', 'seed', 'final', 'curve', 'seconds', 'command'],
  properties: {
    name: { type: 'string', minLength: 1 },
    seed: { type: 'integer' },
    final: { type: 'object', additionalProperties: { type: 'number' } },
    curve: { type: 'array', items: { type: 'array', minItems: 3, maxItems: 3, items: [{ type: 'number', minimum: 0 }, numOrNull, numOrNull] } },
    seconds: { type: 'number', minimum: 0 },
    command: { type: 'string' },
  },
};
export const RESULTS_SCHEMA = {
  type: 'object',
  required: ['claim', 'dataset', 'runs', 'commit'],
  properties: {
    claim: { enum: ['degradation', 'transfer'] },
    dataset: { type: 'string', minLength: 1 },
    runs: { type: 'array', items: RUN_SCHEMA },
    commit: { type: 'string' },
  },
};

const validate = new Ajv({ allErrors: false, strictTuples: false }).compile(RESULTS_SCHEMA);

/** Throws a ReproduceError naming `source` and the first problem; returns the value typed. */
export function checkResults(value: unknown, source: string): ReproductionResults {
  if (!validate(value)) {
    const e = validate.errors![0];
    throw new ReproduceError(`${source}: not a reproduction results file: ${e.instancePath || '(top level)'} ${e.message}`);
  }
  const r = value as ReproductionResults;
  const absent = CLAIM_KEYS[r.claim].filter((k) => r[k] === undefined || r[k] === null);
  if (absent.length) throw new ReproduceError(`${source}: not a ${r.claim} results file: lacks ${absent.join(', ')} (written by resdet reproduce ${r.claim})`);
  for (const [i, run] of r.runs.entries()) {
    const missing = FINAL_KEYS[r.claim].filter((k) => typeof run.final[k] !== 'number');
    if (missing.length) throw new ReproduceError(`${source}: runs[${i}] (${run.name}) final lacks ${missing.join(', ')} (needed for claim ${r.claim})`);
  }
  return r;
}

/** A results.json file, or a folder holding one. */
export function resultsFile(fileOrDir: string): string {
  return fs.existsSync(fileOrDir) && fs.statSync(fileOrDir).isDirectory() ? path.join(fileOrDir, 'results.json') : fileOrDir;
}

export function readResults(fileOrDir: string): ReproductionResults {
  const file = resultsFile(fileOrDir);
  if (!fs.existsSync(file)) throw new ReproduceError(`${file}: no such results file (run the reproduction first)`);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ReproduceError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  return checkResults(value, file);
}

export async function writeResults(file: string, results: ReproductionResults): Promise<void> {
  checkResults(results, file);
  await atomicWrite(file, [Buffer.from(JSON.stringify(results, null, 1) + '\n')]);
}
