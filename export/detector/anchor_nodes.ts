/**
 * The RPN's anchors of one feature map, computed in the graph from the map's dynamic size (resdet's
 * generateAnchors): the cell anchors (constants) shifted to every cell, y outer, then x, then the A cell
 * anchors, [fh·fw·A, 4]. Stride: the level's nominal one, or (anchorStrides 'torchvision') the padded input
 * size // the map's size per axis.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int } from '../onnx/attributes';
import { cellAnchorsPyFasterRcnn, cellAnchorsTorchvision } from '../../detection/modeling/anchor_generator';
import type { RpnConfig, RpnLevel } from '../../detection/modeling/rpn';
import { dims, element, fconst, iconst, reshape, toFloat, unsqueeze } from './graph_ops';

/** Cell positions ·stride along one axis, float [n]. */
function shifts(g: OnnxGraph, n: string, stride: string, name: string): string {
  const range = g.node('Range', [iconst(g, `${name}.start`, 0), n, iconst(g, `${name}.delta`, 1)], {}, `${name}.range`);
  return g.node('Mul', [toFloat(g, range, `${name}.float`), stride], {}, name);
}

/**
 * `feature`: the level's map [1, C, fh, fw]; `finest`: the finest level's map and its stride (the padded
 * input is its size times that stride).
 */
export function anchorNodes(g: OnnxGraph, feature: string, level: RpnLevel, cfg: RpnConfig, finest: { map: string; stride: number }, name: string): string {
  const cell = cfg.anchorStyle === 'py-faster-rcnn' ? cellAnchorsPyFasterRcnn(level.sizes, cfg.aspectRatios) : cellAnchorsTorchvision(level.sizes, cfg.aspectRatios);
  const hw = dims(g, feature, 2, 4, `${name}.hw`);
  const [fh, fw] = [element(g, hw, 0, `${name}.fh`), element(g, hw, 1, `${name}.fw`)];
  let strideY = fconst(g, `${name}.stride`, level.stride);
  let strideX = strideY;
  if (cfg.anchorStrides === 'torchvision') {
    const input = g.node('Mul', [dims(g, finest.map, 2, 4, `${name}.finest.hw`), iconst(g, `${name}.finest.stride`, finest.stride)], {}, `${name}.input`);
    const strides = toFloat(g, g.node('Div', [input, hw], {}, `${name}.strides.int`), `${name}.strides`);
    [strideY, strideX] = [element(g, strides, 0, `${name}.stride_y`), element(g, strides, 1, `${name}.stride_x`)];
  }
  const xs = g.node('Expand', [reshape(g, shifts(g, fw, strideX, `${name}.x`), [1, -1], `${name}.x.row`), hw], {}, `${name}.x.grid`);
  const ys = g.node('Expand', [reshape(g, shifts(g, fh, strideY, `${name}.y`), [-1, 1], `${name}.y.col`), hw], {}, `${name}.y.grid`);
  const col = (v: string, k: number) => unsqueeze(g, v, [2], `${name}.shift${k}`);
  const grid = g.node('Concat', [col(xs, 0), col(ys, 1), col(xs, 2), col(ys, 3)], { axis: int(2) }, `${name}.shifts`);
  const cells = g.floatInitializer(`${name}.cell`, [cell.length / 4, 4], cell);
  const all = g.node('Add', [unsqueeze(g, grid, [2], `${name}.shifts4`), cells], {}, `${name}.all`);
  return reshape(g, all, [-1, 4], name);
}
