/**
 * A ResNet (or plain net) in eval mode as ONNX nodes over NCHW values: every convolution with its batch norm
 * folded in (fold_batch_norm.ts), ReLU, the ImageNet stem's max pool, the blocks with their shortcuts
 * (option A: strided Slice + zero-channel Pad; B/C: the projection convolution; plain: none), global average
 * pooling and the classifier. Node and initializer names follow the module names (`layer2.0.conv1`).
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int, ints } from '../onnx/attributes';
import { foldConvBn } from './fold_batch_norm';
import { OnnxExportError } from '../onnx/export_error';
import type { ResNet } from '../../backbone/resnet';
import { BasicBlock, Bottleneck, Projection, ResidualBlock, Shortcut, ZeroPadShortcut } from '../../backbone/blocks';
import type { Conv2d } from '../../engine/nn/conv2d';
import type { BatchNorm2d } from '../../engine/nn/batch_norm2d';

/** relu?(bn(conv(x))) as one Conv (batch norm folded) and a Relu. */
export function convBnNodes(g: OnnxGraph, conv: Conv2d, bn: BatchNorm2d, x: string, relu: boolean, name: string): string {
  const f = foldConvBn(conv, bn);
  const [, , kh, kw] = f.dims;
  const w = g.floatInitializer(`${name}.weight`, f.dims, f.weight);
  const b = g.floatInitializer(`${name}.bias`, [f.dims[0]], f.bias);
  const p = conv.padding;
  const y = g.node('Conv', [x, w, b], {
    kernel_shape: ints([kh, kw]),
    strides: ints([conv.stride, conv.stride]),
    pads: ints([p, p, p, p]),
    dilations: ints([1, 1]),
    group: int(1),
  }, name);
  return relu ? g.node('Relu', [y], {}, `${name}.relu`) : y;
}

/** Option A: x[:, :, ::s, ::s] with zero channels padded before and after. */
function zeroPadShortcutNodes(g: OnnxGraph, s: ZeroPadShortcut, x: string, name: string): string {
  let h = x;
  if (s.stride > 1) {
    const bound = (what: string, v: Array<number | bigint>) => g.int64Initializer(`${name}.${what}`, [2], v);
    const inputs = [h, bound('starts', [0, 0]), bound('ends', [2n ** 63n - 1n, 2n ** 63n - 1n]), bound('axes', [2, 3]), bound('steps', [s.stride, s.stride])];
    h = g.node('Slice', inputs, {}, `${name}.subsample`);
  }
  const after = s.outChannels - s.inChannels - s.before;
  if (s.before > 0 || after > 0) {
    const pads = g.int64Initializer(`${name}.pads`, [8], [0, s.before, 0, 0, 0, after, 0, 0]);
    h = g.node('Pad', [h, pads], { mode: 'constant' }, `${name}.pad`);
  }
  return h;
}

function shortcutNodes(g: OnnxGraph, s: Shortcut, x: string, name: string): string {
  if (s instanceof Projection) return convBnNodes(g, s.conv, s.bn, x, false, name);
  if (s instanceof ZeroPadShortcut) return zeroPadShortcutNodes(g, s, x, name);
  return x;
}

/** The convolutions of a block's residual branch with their batch norms, the last without ReLU. */
function branchLayers(b: ResidualBlock): Array<[Conv2d, BatchNorm2d, string]> {
  if (b instanceof Bottleneck) return [[b.conv1, b.bn1, 'conv1'], [b.conv2, b.bn2, 'conv2'], [b.conv3, b.bn3, 'conv3']];
  if (b instanceof BasicBlock) return [[b.conv1, b.bn1, 'conv1'], [b.conv2, b.bn2, 'conv2']];
  throw new OnnxExportError(`block ${b.constructor.name} has no ONNX export`);
}

export function blockNodes(g: OnnxGraph, b: ResidualBlock, x: string, name: string): string {
  const layers = branchLayers(b);
  const residual = layers.reduce((h, [conv, bn, n], i) => convBnNodes(g, conv, bn, h, i < layers.length - 1, `${name}.${n}`), x);
  if (b.plain) return g.node('Relu', [residual], {}, `${name}.relu`);
  const identity = shortcutNodes(g, b.shortcut, x, `${name}.downsample`);
  return g.node('Relu', [g.node('Add', [residual, identity], {}, `${name}.add`)], {}, `${name}.relu`);
}

/** Stem, stages, global average pooling and `fc`: NCHW input (normalised) → logits [N, classes]. */
export function resnetNodes(g: OnnxGraph, model: ResNet, x: string, logitsName: string): string {
  let h = convBnNodes(g, model.conv1, model.bn1, x, true, 'conv1');
  if (model.spec.style === 'imagenet') {
    h = g.node('MaxPool', [h], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, 'maxpool');
  }
  model.stages.forEach((stage, i) => {
    stage.blocks.forEach((b, j) => (h = blockNodes(g, b, h, `layer${i + 1}.${j}`)));
  });
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [h], {}, 'avgpool')], { axis: int(1) }, 'flatten');
  const fc = model.fc;
  const w = g.floatInitializer('fc.weight', fc.weight.variable.shape, fc.weight.variable.dataSync() as Float32Array);
  const b = g.floatInitializer('fc.bias', fc.bias.variable.shape, fc.bias.variable.dataSync() as Float32Array);
  return g.node('Gemm', [pooled, w, b], {}, 'fc', logitsName);
}
