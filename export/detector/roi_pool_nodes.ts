/**
 * Pooling RoIs [R, 4] from a feature map [1, C, h, w]: RoIAlign as ONNX RoiAlign (average; the sampling ratio;
 * resdet's `aligned` as coordinate_transformation_mode 'half_pixel', which needs opset 16, the legacy mode as
 * 'output_half_pixel', written out from opset 16 on where the default changed) or RoIPool as MaxRoiPool.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { AttributeValue, float, int, ints } from '../onnx/attributes';
import type { RoiHeadsConfig } from '../../detection/modeling/roi_heads';
import { fconst, rows } from './graph_ops';

export interface PoolContext {
  opset: number;
  cfg: RoiHeadsConfig;
}

/** [R, C, res, res] pooled features. */
export function poolNodes(g: OnnxGraph, feature: string, rois: string, spatialScale: number, c: PoolContext, name: string): string {
  const res = c.cfg.resolution;
  if (c.cfg.pooler === 'pool') {
    const zeros = g.node('Expand', [fconst(g, `${name}.zero`, 0), g.node('Concat', [rows(g, rois, `${name}.count`), g.int64Initializer(`${name}.one`, [1], [1])], { axis: int(0) }, `${name}.column_shape`)], {}, `${name}.batch_column`);
    const rois5 = g.node('Concat', [zeros, rois], { axis: int(1) }, `${name}.rois`);
    return g.node('MaxRoiPool', [feature, rois5], { pooled_shape: ints([res, res]), spatial_scale: float(spatialScale) }, name);
  }
  if (c.cfg.aligned) g.needs('RoiAlign(half_pixel)');
  const batch = g.node('Expand', [g.int64Initializer(`${name}.batch0`, [], [0]), rows(g, rois, `${name}.count`)], {}, `${name}.batch`);
  const mode: Record<string, AttributeValue> = c.opset >= 16 ? { coordinate_transformation_mode: c.cfg.aligned ? 'half_pixel' : 'output_half_pixel' } : {};
  return g.node('RoiAlign', [feature, rois, batch], {
    mode: 'avg',
    output_height: int(res),
    output_width: int(res),
    sampling_ratio: int(c.cfg.samplingRatio),
    spatial_scale: float(spatialScale),
    ...mode,
  }, name);
}
