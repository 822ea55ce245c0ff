/**
 * The FPN layout's box head as ONNX nodes: each proposal's pyramid level by the FPN rule
 * k = floor(4 + log2(sqrt(area) / canonicalScale) + 1e-6) clamped to P2…P5 (multi_scale_roi_align.ts), every
 * level pooled and each RoI's own level picked (Where), then the box head ('mlp': flatten channel-major, fc6,
 * fc7; 'convfc': convolutions, flatten, fc) and the predictor: class logits [R, K+1] and deltas [R, 4(K+1)].
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int } from '../onnx/attributes';
import { TwoMlpHead, FpnRoiHeads } from '../../detection/modeling/roi_heads_fpn';
import type { BoxPredictor } from '../../detection/modeling/roi_heads';
import { CANONICAL_SCALE } from '../../detection/ops/multi_scale_roi_align';
import { linearNodes, convNormActNodes } from './conv_nodes';
import { fconst, reshape } from './graph_ops';
import { sizesOf } from './box_nodes';
import { poolNodes, PoolContext } from './roi_pool_nodes';

/** Each RoI's level index (0 for P2), float [R, 1, 1, 1]. */
function levelNodes(g: OnnxGraph, rois: string, heads: FpnRoiHeads): string {
  const [w, h] = sizesOf(g, rois, 1, 'roi_heads.level.size');
  const kMin = Math.log2(heads.strides[0]);
  const kMax = kMin + heads.strides.length - 1;
  const c = (what: string, v: number) => fconst(g, `roi_heads.level.${what}`, v);
  const n = (op: string, inputs: string[], what: string) => g.node(op, inputs, {}, `roi_heads.level.${what}`);
  const ratio = n('Div', [n('Sqrt', [n('Mul', [w, h], 'area')], 'side'), c('canonical', heads.cfg.canonicalScale ?? CANONICAL_SCALE)], 'ratio');
  const log2 = n('Div', [n('Log', [ratio], 'ln'), c('ln2', Math.LN2)], 'log2');
  const k = n('Floor', [n('Add', [log2, c('offset', 4 + 1e-6)], 'k_raw')], 'k');
  const clamped = n('Max', [n('Min', [k, c('max', kMax)], 'k_max'), c('min', kMin)], 'k_clamped');
  return reshape(g, n('Sub', [clamped, c('base', kMin)], 'index'), [-1, 1, 1, 1], 'roi_heads.level');
}

/** [R, C, res, res]: every RoI pooled from its level. */
function multiScalePoolNodes(g: OnnxGraph, heads: FpnRoiHeads, features: string[], rois: string, ctx: PoolContext): string {
  const level = levelNodes(g, rois, heads);
  let pooled = '';
  heads.strides.forEach((stride, l) => {
    const p = poolNodes(g, features[l], rois, 1 / stride, ctx, `roi_heads.pool.level${l}`);
    if (l === 0) return (pooled = p);
    const mine = g.node('Equal', [level, fconst(g, `roi_heads.pool.level${l}.id`, l)], {}, `roi_heads.pool.level${l}.mine`);
    pooled = g.node('Where', [mine, p, pooled], {}, `roi_heads.pool.level${l}.pick`);
  });
  return pooled;
}

function boxHeadNodes(g: OnnxGraph, heads: FpnRoiHeads, pooled: string): string {
  const head = heads.boxHead;
  const flatten = (x: string) => g.node('Flatten', [x], { axis: int(1) }, 'roi_heads.box_head.flatten');
  if (head instanceof TwoMlpHead) {
    return linearNodes(g, head.fc7, linearNodes(g, head.fc6, flatten(pooled), 'roi_heads.box_head.fc6', true), 'roi_heads.box_head.fc7', true);
  }
  const convs = head.convs.reduce((h, b, i) => convNormActNodes(g, b, h, `roi_heads.box_head.${i}`), pooled);
  return linearNodes(g, head.fc, flatten(convs), 'roi_heads.box_head.fc', true);
}

/** The sibling layers (both layouts): class logits [R, K+1] and deltas [R, 4(K+1)] of features [R, D]. */
export function predictorNodes(g: OnnxGraph, p: BoxPredictor, x: string): { logits: string; deltas: string } {
  return { logits: linearNodes(g, p.clsScore, x, 'roi_heads.box_predictor.cls_score'), deltas: linearNodes(g, p.bboxPred, x, 'roi_heads.box_predictor.bbox_pred') };
}

export function fpnRoiHeadsNodes(g: OnnxGraph, heads: FpnRoiHeads, features: string[], rois: string, opset: number): { logits: string; deltas: string } {
  return predictorNodes(g, heads.boxPredictor, boxHeadNodes(g, heads, multiScalePoolNodes(g, heads, features, rois, { opset, cfg: heads.cfg })));
}
