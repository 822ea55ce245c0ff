/**
 * Small building blocks of the detector's graph: constants, shape reading, slicing, gathering, the dynamic
 * `min(k, n)` of a top-k, and selecting rows by a boolean mask. Each returns the value it makes.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int } from '../onnx/attributes';
import { FLOAT, INT64 } from '../onnx/tensor_proto';

export const fconst = (g: OnnxGraph, name: string, v: number): string => g.floatInitializer(name, [], [v]);
export const fvec = (g: OnnxGraph, name: string, v: number[]): string => g.floatInitializer(name, [v.length], v);
export const iconst = (g: OnnxGraph, name: string, v: number): string => g.int64Initializer(name, [], [v]);
export const ivec = (g: OnnxGraph, name: string, v: Array<number | bigint>): string => g.int64Initializer(name, [v.length], v);

export const toFloat = (g: OnnxGraph, x: string, name: string): string => g.node('Cast', [x], { to: int(FLOAT) }, name);
export const toInt64 = (g: OnnxGraph, x: string, name: string): string => g.node('Cast', [x], { to: int(INT64) }, name);

/** x[start:end] along `axis` (int64 bounds as constants). */
export function slice(g: OnnxGraph, x: string, axis: number, start: number, end: number | bigint, name: string): string {
  const c = (what: string, v: number | bigint) => ivec(g, `${name}.${what}`, [v]);
  return g.node('Slice', [x, c('starts', start), c('ends', end), c('axes', axis)], {}, name);
}

/** The dims `from`…`to`-1 of x's shape, int64 [to-from]. */
export function dims(g: OnnxGraph, x: string, from: number, to: number, name: string): string {
  return slice(g, g.node('Shape', [x], {}, `${name}.shape`), 0, from, to, name);
}

/** Element `i` of a 1-D tensor as a scalar. */
export function element(g: OnnxGraph, x: string, i: number, name: string): string {
  return g.node('Gather', [x, iconst(g, `${name}.index`, i)], { axis: int(0) }, name);
}

export const reshape = (g: OnnxGraph, x: string, shape: number[], name: string): string => g.node('Reshape', [x, ivec(g, `${name}.shape`, shape)], {}, name);
export const unsqueeze = (g: OnnxGraph, x: string, axes: number[], name: string): string => g.node('Unsqueeze', [x, ivec(g, `${name}.axes`, axes)], {}, name);
export const gather = (g: OnnxGraph, x: string, idx: string, name: string, axis = 0): string => g.node('Gather', [x, idx], { axis: int(axis) }, name);

/** The number of rows of x, int64 [1]. */
export const rows = (g: OnnxGraph, x: string, name: string): string => dims(g, x, 0, 1, name);

/** min(k, n) as int64 [1] for a top-k of `k` out of `n` (int64 [1]); through float, exact below 2^24. */
export function atMost(g: OnnxGraph, n: string, k: number, name: string): string {
  return toInt64(g, g.node('Min', [toFloat(g, n, `${name}.n`), fvec(g, `${name}.k`, [k])], {}, `${name}.min`), name);
}

/** The `k` largest of a 1-D tensor, sorted descending (ties: lower index first): [values, indices]. */
export function topK(g: OnnxGraph, x: string, k: number, name: string): [string, string] {
  const [v, i] = g.nodeOutputs('TopK', [x, atMost(g, rows(g, x, `${name}.n`), k, `${name}.k`)], 2, { axis: int(0), largest: int(1), sorted: int(1) }, name);
  return [v, i];
}

/** Indices (int64 [M]) where the boolean 1-D mask is true, in order. */
export function whereTrue(g: OnnxGraph, mask: string, name: string): string {
  return reshape(g, g.node('NonZero', [mask], {}, `${name}.nonzero`), [-1], name);
}

/** a AND b AND … of boolean tensors. */
export function all(g: OnnxGraph, masks: string[], name: string): string {
  return masks.slice(1).reduce((acc, m, i) => g.node('And', [acc, m], {}, `${name}.and${i}`), masks[0]);
}

/** x >= t as NOT (x < t). */
export function atLeast(g: OnnxGraph, x: string, t: string, name: string): string {
  return g.node('Not', [g.node('Less', [x, t], {}, `${name}.less`)], {}, name);
}
