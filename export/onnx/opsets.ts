/**
 * Opsets and IR versions. A model declares the opset of the default ONNX domain it is written for, and an IR
 * version; resdet writes the IR version of the ONNX release that introduced that opset (opset 17: ONNX 1.12,
 * IR 8), so every reader that knows the opset also knows the file format.
 *
 * Each op the writer emits is listed with the oldest opset in which the form resdet writes exists; a graph needs
 * the largest of its ops' (`requiredOpset`). Between that and MAX_OPSET none of these ops changed in a way that
 * matters for float32 tensors, so any opset in between is written the same way.
 */
import { OnnxExportError } from './export_error';

/** Opsets before 9 (IR 3) require every initializer to be a graph input too; resdet does not write them. */
export const MIN_OPSET = 9;
/** The newest opset resdet writes: ONNX 1.12's, the one Debian's python3-onnx checks. */
export const MAX_OPSET = 17;
export const DEFAULT_OPSET = 17;

/** The IR version of the ONNX release that introduced each opset (9…17). */
const IR_VERSION: Record<number, number> = { 9: 4, 10: 5, 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8 };

export function irVersionFor(opset: number): number {
  checkOpsetRange(opset);
  return IR_VERSION[opset];
}

export interface OpForm {
  /** the oldest opset with this form of the op */
  since: number;
  /** what makes it need that opset (said when a lower opset is asked for) */
  why?: string;
}

/** The ops resdet writes, in the form it writes them. */
export const OPS: Record<string, OpForm> = {
  Conv: { since: 1 },
  Relu: { since: 6 },
  Add: { since: 7 },
  Mul: { since: 7 },
  MaxPool: { since: 8 },
  GlobalAveragePool: { since: 1 },
  Flatten: { since: 9 },
  Gemm: { since: 9 },
  Slice: { since: 10, why: 'starts/ends/axes/steps as inputs' },
  Pad: { since: 11, why: 'pads as an input' },
  // the detector's graph (export/detector/)
  Shape: { since: 1 },
  Identity: { since: 1 },
  Cast: { since: 6 },
  Gather: { since: 1 },
  Concat: { since: 4 },
  Reshape: { since: 5 },
  Transpose: { since: 1 },
  Sub: { since: 7 },
  Div: { since: 7 },
  Min: { since: 8 },
  Max: { since: 8 },
  Floor: { since: 6 },
  Ceil: { since: 6 },
  Exp: { since: 6 },
  Log: { since: 6 },
  Sqrt: { since: 6 },
  Reciprocal: { since: 6 },
  Abs: { since: 6 },
  MatMul: { since: 9 },
  ReduceSum: { since: 13, why: 'axes as an input' },
  Less: { since: 9 },
  Greater: { since: 9 },
  Equal: { since: 11, why: 'float and integer inputs' },
  Not: { since: 1 },
  And: { since: 7 },
  Where: { since: 9 },
  NonZero: { since: 9 },
  Expand: { since: 8 },
  Range: { since: 11 },
  ReduceMin: { since: 1 },
  ReduceMax: { since: 1 },
  Softmax: { since: 1 },
  Unsqueeze: { since: 13, why: 'axes as an input' },
  Resize: { since: 13, why: 'sizes as an input with roi and scales left out' },
  TopK: { since: 11, why: 'largest and sorted' },
  NonMaxSuppression: { since: 11 },
  RoiAlign: { since: 10 },
  'RoiAlign(half_pixel)': { since: 16, why: "coordinate_transformation_mode 'half_pixel', resdet's aligned RoIAlign" },
  MaxRoiPool: { since: 1 },
};

export function opForm(op: string): OpForm {
  const form = OPS[op];
  if (!form) throw new OnnxExportError(`ONNX op ${op} is not supported by resdet's writer (it writes ${Object.keys(OPS).join(', ')})`);
  return form;
}

/** The oldest opset that has every one of `ops` in the form resdet writes. */
export function requiredOpset(ops: Iterable<string>): number {
  return Math.max(MIN_OPSET, ...[...ops].map((op) => opForm(op).since));
}

/** Refuses an opset outside what resdet writes. */
export function checkOpsetRange(opset: number): void {
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new OnnxExportError(`--opset ${opset}: resdet writes opsets ${MIN_OPSET}–${MAX_OPSET}`);
  }
}

/**
 * Checks a requested opset against the writer's range and the graph's ops; the message of a too-old opset names
 * each op that needs more, with the opset it needs and why.
 */
export function checkOpset(requested: number, ops: Iterable<string>): void {
  checkOpsetRange(requested);
  const needs = [...new Set(ops)]
    .map((op) => ({ op, ...opForm(op) }))
    .filter((f) => f.since > requested)
    .sort((a, b) => b.since - a.since || a.op.localeCompare(b.op));
  if (needs.length) {
    const list = needs.map((f) => `${f.op} (${f.why ? `${f.why}, ` : ''}opset ${f.since})`).join(', ');
    throw new OnnxExportError(`--opset ${requested} is too old for this graph, which needs opset ${needs[0].since}: ${list}`);
  }
}
