/**
 * Box arithmetic as graph nodes, the same float32 steps as resdet's BoxCoder.decodeArrays and clipAndFilter:
 * decoding deltas against reference boxes (weights, the upper clamp of log(1000/16) on dw, dh), clipping to
 * the image. Boxes are [..., 4] (x1, y1, x2, y2) along axis `axis`, the last.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int } from '../onnx/attributes';
import { BBOX_XFORM_CLIP } from '../../detection/modeling/box_coder';
import { fconst, slice } from './graph_ops';

/** The four coordinate columns [..., 1] of boxes [..., 4]. */
export function columns(g: OnnxGraph, boxes: string, axis: number, name: string): string[] {
  return [0, 1, 2, 3].map((j) => slice(g, boxes, axis, j, j + 1, `${name}.col${j}`));
}

/** Reference boxes [..., 4] moved by deltas [..., 4] (broadcasting), with box coder weights. */
export function decodeNodes(g: OnnxGraph, deltas: string, refs: string, weights: number[], axis: number, name: string): string {
  const n = (op: string, inputs: string[], what: string) => g.node(op, inputs, {}, `${name}.${what}`);
  const [x1, y1, x2, y2] = columns(g, refs, axis, `${name}.ref`);
  const w = n('Sub', [x2, x1], 'w');
  const h = n('Sub', [y2, y1], 'h');
  const half = fconst(g, `${name}.half`, 0.5);
  const cx = n('Add', [x1, n('Mul', [half, w], 'hw0')], 'cx');
  const cy = n('Add', [y1, n('Mul', [half, h], 'hh0')], 'cy');
  const [d0, d1, d2, d3] = columns(g, deltas, axis, `${name}.delta`);
  const div = (d: string, k: number) => n('Div', [d, fconst(g, `${name}.weight${k}`, weights[k])], `d${k}`);
  const clip = fconst(g, `${name}.clip`, BBOX_XFORM_CLIP);
  const dw = n('Min', [div(d2, 2), clip], 'dw');
  const dh = n('Min', [div(d3, 3), clip], 'dh');
  const pcx = n('Add', [n('Mul', [div(d0, 0), w], 'dxw'), cx], 'pcx');
  const pcy = n('Add', [n('Mul', [div(d1, 1), h], 'dyh'), cy], 'pcy');
  const hw = n('Mul', [half, n('Mul', [n('Exp', [dw], 'ew'), w], 'pw')], 'phw');
  const hh = n('Mul', [half, n('Mul', [n('Exp', [dh], 'eh'), h], 'ph')], 'phh');
  const corners = [n('Sub', [pcx, hw], 'x1'), n('Sub', [pcy, hh], 'y1'), n('Add', [pcx, hw], 'x2'), n('Add', [pcy, hh], 'y2')];
  return g.node('Concat', corners, { axis: int(axis) }, name);
}

/** Boxes [..., 4] clipped to [0, width] x [0, height] (scalars). */
export function clipNodes(g: OnnxGraph, boxes: string, width: string, height: string, axis: number, name: string): string {
  const zero = fconst(g, `${name}.zero`, 0);
  const cols = columns(g, boxes, axis, name).map((c, j) => {
    const hi = j % 2 === 0 ? width : height;
    return g.node('Max', [g.node('Min', [c, hi], {}, `${name}.min${j}`), zero], {}, `${name}.max${j}`);
  });
  return g.node('Concat', cols, { axis: int(axis) }, name);
}

/** Widths and heights [..., 1] of boxes [..., 4]. */
export function sizesOf(g: OnnxGraph, boxes: string, axis: number, name: string): [string, string] {
  const [x1, y1, x2, y2] = columns(g, boxes, axis, name);
  return [g.node('Sub', [x2, x1], {}, `${name}.w`), g.node('Sub', [y2, y1], {}, `${name}.h`)];
}
