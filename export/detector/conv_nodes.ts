/**
 * Convolutions of the detector's heads as ONNX nodes: a plain Conv2d (bias, no batch norm; HWIO → OIHW),
 * torchvision's Conv2dNormActivation (batch norm folded, optional ReLU), and Linear layers as Gemm.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int, ints } from '../onnx/attributes';
import { convBnNodes } from '../classifier/resnet_nodes';
import type { Conv2d } from '../../engine/nn/conv2d';
import type { Conv2dNormActivation } from '../../engine/nn/conv_norm_activation';
import type { Linear } from '../../engine/nn/linear';

/** HWIO → OIHW. */
function oihw(hwio: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(hwio.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = hwio[((y * kw + x) * cin + i) * cout + o];
  return out;
}

export function convNodes(g: OnnxGraph, conv: Conv2d, x: string, name: string, relu = false): string {
  const shape = conv.weight.variable.shape;
  const [kh, kw, cin, cout] = shape;
  const inputs = [x, g.floatInitializer(`${name}.weight`, [cout, cin, kh, kw], oihw(conv.weight.variable.dataSync() as Float32Array, shape))];
  if (conv.bias) inputs.push(g.floatInitializer(`${name}.bias`, [cout], conv.bias.variable.dataSync() as Float32Array));
  const p = conv.padding;
  const y = g.node('Conv', inputs, { kernel_shape: ints([kh, kw]), strides: ints([conv.stride, conv.stride]), pads: ints([p, p, p, p]), dilations: ints([1, 1]), group: int(1) }, name);
  return relu ? g.node('Relu', [y], {}, `${name}.relu`) : y;
}

/** Conv (+ folded batch norm) (+ ReLU), as the block is configured. */
export function convNormActNodes(g: OnnxGraph, block: Conv2dNormActivation, x: string, name: string): string {
  const relu = block.opts.relu ?? false;
  return block.bn ? convBnNodes(g, block.conv, block.bn, x, relu, name) : convNodes(g, block.conv, x, name, relu);
}

/** x·W + b (resdet keeps W as [in, out]); ReLU after if asked. */
export function linearNodes(g: OnnxGraph, fc: Linear, x: string, name: string, relu = false, outputName?: string): string {
  const w = fc.weight.variable;
  const b = fc.bias.variable;
  const y = g.node('Gemm', [x, g.floatInitializer(`${name}.weight`, w.shape, w.dataSync() as Float32Array), g.floatInitializer(`${name}.bias`, b.shape, b.dataSync() as Float32Array)], {}, name, relu ? undefined : outputName);
  return relu ? g.node('Relu', [y], {}, `${name}.relu`, outputName) : y;
}
