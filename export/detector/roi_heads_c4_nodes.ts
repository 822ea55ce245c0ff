/**
 * The C4 layout's box head as ONNX nodes: each RoI pooled from the stride-16 map (RoiAlign or MaxRoiPool,
 * roi_pool_nodes.ts), res5 (the ResNet's last stage, batch norm folded) run on the pooled RoIs, global average
 * pooling, and the sibling layers.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int } from '../onnx/attributes';
import { blockNodes } from '../classifier/resnet_nodes';
import type { C4RoiHeads } from '../../detection/modeling/roi_heads_c4';
import { poolNodes } from './roi_pool_nodes';
import { predictorNodes } from './roi_heads_nodes';

export function c4RoiHeadsNodes(g: OnnxGraph, heads: C4RoiHeads, feature: string, rois: string, opset: number): { logits: string; deltas: string } {
  let h = poolNodes(g, feature, rois, 1 / heads.stride, { opset, cfg: heads.cfg }, 'roi_heads.pool');
  heads.res5.blocks.forEach((b, j) => (h = blockNodes(g, b, h, `roi_heads.res5.${j}`)));
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [h], {}, 'roi_heads.avgpool')], { axis: int(1) }, 'roi_heads.flatten');
  return predictorNodes(g, heads.boxPredictor, pooled);
}
