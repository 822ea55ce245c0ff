/**
 * Running statistics for a random ResNet classifier in a benchmark: eval-mode batch norm of a random network holds
 * mean 0 / variance 1, and 50 layers of it overflow. One training-mode pass over `x` with momentum 1 sets each
 * layer's running statistics to the batch's, as a trained network would have them (bench/onnx_classify,
 * bench/winograd_ab).
 */
import * as tf from '@tensorflow/tfjs';
import { ResNet } from '../backbone/resnet';
import { BatchNorm2d } from '../engine/nn/batch_norm2d';

export function calibrateBatchNorm(model: ResNet, x: tf.Tensor4D): void {
  const bns = model.namedModules().map(([, m]) => m).filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  const saved = bns.map((b) => b.momentum);
  bns.forEach((b) => ((b as { momentum: number }).momentum = 1));
  model.train();
  tf.tidy(() => void model.forward(x).dataSync());
  bns.forEach((b, i) => ((b as { momentum: number }).momentum = saved[i]));
  model.eval();
}
