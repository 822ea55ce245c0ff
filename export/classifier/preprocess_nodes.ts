/**
 * The classifier's input normalisation inside the graph, so that the exported model takes what `resdet classify
 * predict` hands its net before normalising: RGB pixels 0–255. One-channel nets first take the luminance
 * (0.299 R + 0.587 G + 0.114 B, as a 1x1 Conv); then each channel becomes v·(1/(255·std)) − mean/std (Mul, Add).
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int, ints } from '../onnx/attributes';
import { OnnxExportError } from '../onnx/export_error';
import { GREY, perChannel } from '../../backbone/classifier/predict';
import type { ClassifierInfo } from '../../backbone/classifier/checkpoint';

function greyNodes(g: OnnxGraph, x: string): string {
  const w = g.floatInitializer('grey.weight', [1, 3, 1, 1], GREY);
  return g.node('Conv', [x, w], { kernel_shape: ints([1, 1]), strides: ints([1, 1]), pads: ints([0, 0, 0, 0]), group: int(1) }, 'grey');
}

/** RGB 0–255 [N,3,H,W] → the net's normalised input [N,C,H,W]. */
export function preprocessNodes(g: OnnxGraph, x: string, info: ClassifierInfo): string {
  const c = info.options.inputChannels;
  if (c !== 1 && c !== 3) throw new OnnxExportError(`${info.arch} with ${c} input channels: the export takes RGB images, for nets of 1 (grey) or 3 channels`);
  const h = c === 1 ? greyNodes(g, x) : x;
  const channels = Array.from({ length: c }, (_, ch) => ch);
  const scale = g.floatInitializer('normalize.scale', [1, c, 1, 1], channels.map((ch) => 1 / (255 * perChannel(info.std, ch))));
  const shift = g.floatInitializer('normalize.shift', [1, c, 1, 1], channels.map((ch) => -perChannel(info.mean, ch) / perChannel(info.std, ch)));
  return g.node('Add', [g.node('Mul', [h, scale], {}, 'normalize.mul'), shift], {}, 'normalize.add');
}
