/**
 * The detector's test transform inside the graph, from the input image [3, H, W] (RGB 0–255) to the padded
 * network input [1, 3, Hp, Wp]:
 * - the resize factor s = min(S / min(H, W), M / max(H, W)) and the new size, by the checkpoint's rule
 *   ('sharp': round(side·s); 'torch-bilinear': floor(side·s) with s = (1/min)·S in float32, as torchvision);
 * - resampling: 'torch-bilinear' checkpoints by ONNX Resize ('linear', 'half_pixel'), as torchvision's
 *   interpolate without antialias; 'sharp' checkpoints by a triangle filter over half-pixel centres, stretched by
 *   the shrink factor when an axis shrinks — resdet's own resampling (triangle.ts shrinking, bilinear.ts
 *   enlarging, which is the same filter at factor 1). ONNX up to opset 17 has no antialiased Resize, so the filter
 *   is built in the graph as one [out, in] weight matrix per axis, applied by two MatMuls (`resampleMatrix`);
 * - normalisation (channel order, mean, std) and zero padding to a multiple of 32 at the bottom and right.
 * Also returns the resized size (network-input pixels, what boxes are clipped to) and the factors back to
 * input pixels.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int, ints } from '../onnx/attributes';
import { NORMALIZATIONS } from '../../datasets/detection/pipeline/normalize';
import { SIZE_DIVISIBILITY } from '../../datasets/detection/pipeline/batch';
import type { TransformOptions } from '../../datasets/detection/pipeline/transforms';
import { dims, element, fconst, ivec, toFloat, toInt64, unsqueeze } from './graph_ops';

export interface Preprocessed {
  /** [1, 3, Hp, Wp] normalised and padded */
  x: string;
  /** resized width and height (scalars, float) */
  width: string;
  height: string;
  /** network-input pixels per input pixel, along x and y (scalars) */
  scaleX: string;
  scaleY: string;
  /** input image width and height (scalars, float) */
  inputWidth: string;
  inputHeight: string;
}

/** The resized [H', W'] (float [2]) of an input [H, W] (float [2]). */
function resizedSize(g: OnnxGraph, hw: string, t: TransformOptions): string {
  const short = g.node('ReduceMin', [hw], { keepdims: int(0) }, 'resize.short');
  const long = g.node('ReduceMax', [hw], { keepdims: int(0) }, 'resize.long');
  const torch = t.resize === 'torch-bilinear';
  const factor = (side: string, target: number, what: string) =>
    torch
      ? g.node('Mul', [g.node('Reciprocal', [side], {}, `resize.${what}.inv`), fconst(g, `resize.${what}.target`, target)], {}, `resize.${what}`)
      : g.node('Div', [fconst(g, `resize.${what}.target`, target), side], {}, `resize.${what}`);
  const s = g.node('Min', [factor(short, t.shortSides[0], 'by_short'), factor(long, t.maxSize, 'by_long')], {}, 'resize.factor');
  let size = g.node('Mul', [hw, s], {}, 'resize.scaled');
  if (!torch) size = g.node('Add', [size, fconst(g, 'resize.round', 0.5)], {}, 'resize.rounded');
  return g.node('Max', [g.node('Floor', [size], {}, 'resize.floor'), fconst(g, 'resize.one', 1)], {}, 'resize.size');
}

/**
 * The [m, n] weights that resample n pixels to m along one axis (n, m: float scalars): output pixel i samples the
 * input around its centre c = (i + 0.5)·n/m with a triangle of half-width max(1, n/m) over the input pixel centres
 * j + 0.5, normalised to sum 1. Enlarging, that is bilinear interpolation with edge clamping; shrinking, the
 * antialiasing triangle filter (PIL's and libvips's linear reduce).
 */
function resampleMatrix(g: OnnxGraph, n: string, m: string, name: string): string {
  const ratio = g.node('Div', [n, m], {}, `${name}.ratio`);
  const halfWidth = g.node('Max', [ratio, fconst(g, `${name}.one`, 1)], {}, `${name}.half_width`);
  const centres = (count: string, what: string) =>
    g.node('Add', [g.node('Range', [fconst(g, `${name}.${what}.start`, 0), count, fconst(g, `${name}.${what}.delta`, 1)], {}, `${name}.${what}.range`), fconst(g, `${name}.${what}.half`, 0.5)], {}, `${name}.${what}`);
  const out = unsqueeze(g, g.node('Mul', [centres(m, 'out'), ratio], {}, `${name}.out.in_input`), [1], `${name}.out.column`);
  const inp = unsqueeze(g, centres(n, 'in'), [0], `${name}.in.row`);
  const distance = g.node('Abs', [g.node('Sub', [out, inp], {}, `${name}.offset`)], {}, `${name}.distance`);
  const w = g.node('Relu', [g.node('Sub', [fconst(g, `${name}.tent`, 1), g.node('Div', [distance, halfWidth], {}, `${name}.scaled`)], {}, `${name}.tent_raw`)], {}, `${name}.tent_w`);
  const total = g.node('ReduceSum', [w, ivec(g, `${name}.axes`, [1])], { keepdims: int(1) }, `${name}.total`);
  return g.node('Div', [w, total], {}, name);
}

/** [3, H, W] → [1, 3, H', W'] by the checkpoint's resampling (see the top of this file). */
function resizeNodes(g: OnnxGraph, image: string, hw: string, size: string, t: TransformOptions): string {
  if (t.resize === 'torch-bilinear') {
    const sizes = g.node('Concat', [ivec(g, 'resize.nc', [1, 3]), toInt64(g, size, 'resize.size.int')], { axis: int(0) }, 'resize.sizes');
    return g.node('Resize', [unsqueeze(g, image, [0], 'input.batch'), '', '', sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, 'resize');
  }
  const rowsW = resampleMatrix(g, element(g, hw, 0, 'resize.in_h'), element(g, size, 0, 'resize.out_h'), 'resize.rows');
  const colsW = resampleMatrix(g, element(g, hw, 1, 'resize.in_w'), element(g, size, 1, 'resize.out_w'), 'resize.cols');
  const byRows = g.node('MatMul', [rowsW, image], {}, 'resize.by_rows'); // [H', H] x [3, H, W] → [3, H', W]
  const both = g.node('MatMul', [byRows, g.node('Transpose', [colsW], { perm: ints([1, 0]) }, 'resize.cols_t')], {}, 'resize.by_cols');
  return unsqueeze(g, both, [0], 'resize');
}

/** (v - mean) / std per output channel, channels reordered first for BGR nets. */
function normalizeNodes(g: OnnxGraph, x: string, t: TransformOptions): string {
  const n = NORMALIZATIONS[t.normalization];
  const ordered = n.order === 'bgr' ? g.node('Gather', [x, ivec(g, 'normalize.bgr', [2, 1, 0])], { axis: int(1) }, 'normalize.to_bgr') : x;
  const mean = g.floatInitializer('normalize.mean', [1, 3, 1, 1], n.mean);
  const std = g.floatInitializer('normalize.std', [1, 3, 1, 1], n.std);
  return g.node('Div', [g.node('Sub', [ordered, mean], {}, 'normalize.sub'), std], {}, 'normalize.div');
}

/** Zero padding of [1, 3, h, w] to multiples of SIZE_DIVISIBILITY; `size` is [h, w] (float). */
function padNodes(g: OnnxGraph, x: string, size: string): string {
  const d = fconst(g, 'pad.divisibility', SIZE_DIVISIBILITY);
  const padded = g.node('Mul', [g.node('Ceil', [g.node('Div', [size, d], {}, 'pad.div')], {}, 'pad.ceil'), d], {}, 'pad.size');
  const extra = toInt64(g, g.node('Sub', [padded, size], {}, 'pad.extra.float'), 'pad.extra');
  const pads = g.node('Concat', [ivec(g, 'pad.before', [0, 0, 0, 0, 0, 0]), extra], { axis: int(0) }, 'pad.pads');
  return g.node('Pad', [x, pads], { mode: 'constant' }, 'pad');
}

export function preprocessNodes(g: OnnxGraph, image: string, t: TransformOptions): Preprocessed {
  const hw = toFloat(g, dims(g, image, 1, 3, 'input.hw.int'), 'input.hw');
  const size = resizedSize(g, hw, t);
  const resized = resizeNodes(g, image, hw, size, t);
  const x = padNodes(g, normalizeNodes(g, resized, t), size);
  const scale = g.node('Div', [size, hw], {}, 'resize.scale');
  return {
    x,
    height: element(g, size, 0, 'size.height'),
    width: element(g, size, 1, 'size.width'),
    scaleY: element(g, scale, 0, 'scale.y'),
    scaleX: element(g, scale, 1, 'scale.x'),
    inputHeight: element(g, hw, 0, 'input.height'),
    inputWidth: element(g, hw, 1, 'input.width'),
  };
}

