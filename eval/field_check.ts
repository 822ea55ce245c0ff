/** Checks of single fields in parsed JSON records, each failing with the record's location and the field's name. */
import { EvalInputError } from './eval_error';

export type Where = () => string;

export function field(rec: unknown, key: string, where: Where): unknown {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new EvalInputError(`${where()}: expected an object, got ${describe(rec)}`);
  const v = (rec as Record<string, unknown>)[key];
  if (v === undefined) throw new EvalInputError(`${where()}: missing field "${key}"`);
  return v;
}

export function finiteNumber(rec: unknown, key: string, where: Where): number {
  const v = field(rec, key, where);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new EvalInputError(`${where()}: "${key}" must be a finite number, got ${describe(v)}`);
  return v;
}

/** A box `[a, b, c, d]` of four finite numbers. */
export function box4(rec: unknown, key: string, where: Where): number[] {
  const v = field(rec, key, where);
  if (!Array.isArray(v) || v.length !== 4 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new EvalInputError(`${where()}: "${key}" must be 4 finite numbers, got ${describe(v)}`);
  }
  return v as number[];
}

export function list(v: unknown, what: string, source: string): unknown[] {
  if (!Array.isArray(v)) throw new EvalInputError(`${source}: ${what} must be a list, got ${describe(v)}`);
  return v;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  // only flat short lists are shown whole: JSON.stringify of a deeply nested one would exhaust the stack
  if (Array.isArray(v)) return v.length <= 6 && v.every((x) => x === null || typeof x !== 'object') ? JSON.stringify(v) : `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return String(v);
}
