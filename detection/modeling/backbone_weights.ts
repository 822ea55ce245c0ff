/**
 * ImageNet initialisation of a detector's ResNet from a torchvision .pth/.safetensors file or a resdet
 * classifier checkpoint (PyTorch layout; a run folder stands for its newest checkpoint): each ResNet name is mapped to the detector's parameter name, the
 * classifier (`fc.*`) and BN batch counters are dropped, parameters under `resnetPrefixes` must all be
 * present and fit (one error naming the file otherwise), and the rest of the detector keeps its initialisation.
 * A stem trained on grey images (a classifier pretrained on Fashion-MNIST: conv1 with one input channel) is
 * adapted to the detector's RGB input by repeating its filter over the channels / 3 (backbone/grey_to_rgb.ts):
 * detectors always take RGB images, and on grey pixels the adapted stem responds as the grey one did.
 */
import * as fs from 'fs';
import { Module } from '../../engine/nn/module';
import { resolveCheckpoint } from '../../run/checkpoint';
import { readWeightsFile } from '../../engine/weights_file';
import { toFloat32 } from '../../engine/host_tensor';
import { fromTorchLayout, PlainTensor } from '../../engine/torch_layout';
import { greyFilterToRgb } from '../../backbone/grey_to_rgb';

export async function loadImagenetBackbone(
  model: Module,
  file: string,
  rename: (resnetName: string) => string,
  resnetPrefixes: string[],
): Promise<void> {
  const values = new Map<string, PlainTensor>();
  const weights = fs.existsSync(file) && fs.statSync(file).isDirectory() ? resolveCheckpoint(file).model : file;
  for (const [name, t] of await readWeightsFile(weights)) {
    if (name.endsWith('num_batches_tracked') || name.startsWith('fc.')) continue;
    let w: PlainTensor = { shape: t.shape, data: toFloat32(t) };
    if (name === 'conv1.weight' && w.shape.length === 4 && w.shape[1] === 1) w = greyFilterToRgb(w);
    values.set(rename(name), fromTorchLayout(w));
  }
  const inResnet = (k: string) => resnetPrefixes.some((p) => k.startsWith(p));
  model.loadStateDict(values, { source: file, torchLayout: true, ignore: (k) => !inResnet(k) || k.endsWith('num_batches_tracked') });
}
