/**
 * A classification run's error curve from its log.jsonl, as the paper's Fig. 6 shows it: the training error
 * is the error on the (augmented) training mini-batches, averaged over each interval of `every` iterations;
 * the test error is the evaluation logged at the end of that interval (null where none was). The final
 * training error is the mean over the last `every` iterations (a whole window even when the last interval of
 * the curve is short); the final test error is the last full evaluation.
 */
import { CurvePoint } from './results';

type LogRecord = Record<string, unknown>;

export interface RunCurve {
  curve: CurvePoint[];
  final: { train_error: number; test_error: number };
  iterations: number;
  /** wall seconds spent in training steps and evaluations, summed over the run's invocations */
  seconds: number;
}

const time = (r: LogRecord) => Date.parse(r.time as string);

/** Seconds of work: each step or evaluation record counts the time since the record before it. */
function workSeconds(records: LogRecord[]): number {
  let s = 0;
  for (let i = 1; i < records.length; i++) {
    if (records[i].type === 'train' || records[i].type === 'eval') s += (time(records[i]) - time(records[i - 1])) / 1000;
  }
  return s;
}

export function curveFromLog(records: LogRecord[], every: number): RunCurve {
  const trainErr = new Map<number, number>();
  const testErr = new Map<number, number>();
  let finalTest: number | null = null;
  for (const r of records) {
    if (r.type === 'train' && typeof r.trainError === 'number') trainErr.set(r.step as number, r.trainError);
    if (r.type === 'eval' && typeof r.top1 === 'number') {
      testErr.set(r.step as number, 1 - r.top1);
      if (!r.curve) finalTest = 1 - r.top1;
    }
  }
  const last = Math.max(0, ...trainErr.keys());
  if (last === 0 || finalTest === null) throw new Error('the run has no training steps or no final test evaluation in its log');
  const ends: number[] = [];
  for (let s = every; s < last; s += every) ends.push(s);
  ends.push(last);
  const curve: CurvePoint[] = [];
  let prev = 0;
  for (const end of ends) {
    const errs: number[] = [];
    for (let s = prev + 1; s <= end; s++) if (trainErr.has(s)) errs.push(trainErr.get(s)!);
    const train = errs.length ? errs.reduce((a, b) => a + b, 0) / errs.length : null;
    curve.push([end, train, testErr.get(end) ?? null]);
    prev = end;
  }
  const window = [...trainErr.entries()].filter(([s]) => s > last - every).map(([, e]) => e);
  return {
    curve,
    final: { train_error: window.reduce((a, b) => a + b, 0) / window.length, test_error: finalTest },
    iterations: last,
    seconds: Math.round(workSeconds(records) * 10) / 10,
  };
}
