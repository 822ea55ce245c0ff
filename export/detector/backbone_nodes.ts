/**
 * The detector's backbone as ONNX nodes: the ResNet trunk (stem, max pool, stages; batch norm folded, the
 * classifier exporter's blocks) and, for the FPN layout, the pyramid: 1x1 laterals, the top-down pathway
 * (nearest-neighbour upsampling to the lateral's size with tfjs's rule, source = floor(dst · in/out):
 * ONNX Resize 'nearest', 'asymmetric', 'floor'), 3x3 outputs, and P6 by a kernel-1 stride-2 max pool.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { ints } from '../onnx/attributes';
import { OnnxExportError } from '../onnx/export_error';
import { blockNodes, convBnNodes } from '../classifier/resnet_nodes';
import { Conv2d } from '../../engine/nn/conv2d';
import type { ResNetTrunk } from '../../detection/modeling/resnet_trunk';
import type { FpnBackbone } from '../../detection/modeling/fpn';
import type { Conv2dNormActivation } from '../../engine/nn/conv_norm_activation';
import { convNodes, convNormActNodes } from './conv_nodes';

/** Stem and stages: every stage's output (C2, C3, …), NCHW. */
export function trunkNodes(g: OnnxGraph, trunk: ResNetTrunk, x: string, prefix: string): string[] {
  let h = convBnNodes(g, trunk.conv1, trunk.bn1, x, true, `${prefix}.conv1`);
  h = g.node('MaxPool', [h], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, `${prefix}.maxpool`);
  return trunk.stages.map((stage, i) => {
    stage.blocks.forEach((b, j) => (h = blockNodes(g, b, h, `${prefix}.layer${i + 1}.${j}`)));
    return h;
  });
}

function fpnBlockNodes(g: OnnxGraph, block: Conv2d | Conv2dNormActivation, x: string, name: string): string {
  return block instanceof Conv2d ? convNodes(g, block, x, name) : convNormActNodes(g, block, x, name);
}

/** P2…P6, NCHW, finest first. */
export function fpnBackboneNodes(g: OnnxGraph, backbone: FpnBackbone, x: string): string[] {
  const stages = trunkNodes(g, backbone.body, x, 'backbone.body');
  const fpn = backbone.fpn;
  const n = stages.length;
  if (fpn.innerBlocks.length !== n) throw new OnnxExportError(`feature pyramid of ${fpn.innerBlocks.length} levels over ${n} stages: not exportable`);
  let last = fpnBlockNodes(g, fpn.innerBlocks[n - 1], stages[n - 1], `backbone.fpn.inner_blocks.${n - 1}`);
  const out = [fpnBlockNodes(g, fpn.layerBlocks[n - 1], last, `backbone.fpn.layer_blocks.${n - 1}`)];
  for (let i = n - 2; i >= 0; i--) {
    const lateral = fpnBlockNodes(g, fpn.innerBlocks[i], stages[i], `backbone.fpn.inner_blocks.${i}`);
    const size = g.node('Shape', [lateral], {}, `backbone.fpn.top_down.${i}.size`);
    const up = g.node('Resize', [last, '', '', size], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, `backbone.fpn.top_down.${i}`);
    last = g.node('Add', [lateral, up], {}, `backbone.fpn.top_down.${i}.add`);
    out.unshift(fpnBlockNodes(g, fpn.layerBlocks[i], last, `backbone.fpn.layer_blocks.${i}`));
  }
  out.push(g.node('MaxPool', [out[n - 1]], { kernel_shape: ints([1, 1]), strides: ints([2, 2]) }, 'backbone.fpn.extra'));
  return out;
}
