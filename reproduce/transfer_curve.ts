/**
 * A detector run's curve for results.json, from its log: points every `every` iterations (and at each
 * evaluation and the last iteration) holding the mean training loss since the previous point and the VOC07
 * mAP@0.5 on the test canvases where the run was evaluated (null elsewhere).
 */
import { JsonlLog } from '../run/jsonl_log';
import { TransferCurvePoint } from './transfer_results';

export function transferCurve(logFile: string, every: number): TransferCurvePoint[] {
  const records = JsonlLog.read(logFile);
  const loss = new Map<number, number>();
  const evals = new Map<number, number>();
  for (const r of records) {
    if (r.type === 'train' && typeof r.step === 'number' && typeof r.loss === 'number') loss.set(r.step, r.loss);
    if (r.type === 'eval' && typeof r.step === 'number' && typeof r.voc07_map50 === 'number') evals.set(r.step, r.voc07_map50);
  }
  const lastStep = Math.max(0, ...loss.keys());
  const at = new Set<number>([...evals.keys(), lastStep]);
  for (let s = every; s <= lastStep; s += every) at.add(s);
  const steps = [...at].filter((s) => s > 0).sort((a, b) => a - b);
  const curve: TransferCurvePoint[] = [];
  let prev = 0;
  for (const s of steps) {
    const window = [...loss.entries()].filter(([k]) => k > prev && k <= s).map(([, v]) => v);
    const mean = window.length ? window.reduce((a, b) => a + b, 0) / window.length : null;
    curve.push([s, mean, evals.get(s) ?? null]);
    prev = s;
  }
  return curve;
}
