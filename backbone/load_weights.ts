/**
 * Loads ImageNet weights into a ResNet from the files people have: torchvision `.pth` (torch.save zip) or
 * `.safetensors`, and resdet's own checkpoints (which use PyTorch's names and layouts). Conv filters go
 * OIHW → HWIO, linear weights [out,in] → [in,out]; `num_batches_tracked` is ignored. Missing, unexpected
 * and mis-shaped keys are reported together in one error naming the file.
 */
import { Module } from '../engine/nn/module';
import { readWeightsFile } from '../engine/weights_file';
import { toFloat32 } from '../engine/host_tensor';
import { fromTorchLayout, PlainTensor } from '../engine/torch_layout';

export interface LoadWeightsOptions {
  /** skip the classifier (`fc.*`), e.g. for a different number of classes or a detection backbone */
  skipClassifier?: boolean;
  /** allow missing/unexpected keys (reported in the result) */
  strict?: boolean;
}

export async function loadBackboneWeights(
  model: Module,
  path: string,
  opts: LoadWeightsOptions = {},
): Promise<{ missing: string[]; unexpected: string[] }> {
  const file = await readWeightsFile(path);
  const values = new Map<string, PlainTensor>();
  for (const [name, t] of file) {
    if (name.endsWith('num_batches_tracked')) continue;
    if (opts.skipClassifier && name.startsWith('fc.')) continue;
    values.set(name, fromTorchLayout({ shape: t.shape, data: toFloat32(t) }));
  }
  return model.loadStateDict(values, {
    strict: opts.strict ?? true,
    source: path,
    torchLayout: true,
    ignore: (k) => k.endsWith('num_batches_tracked') || (!!opts.skipClassifier && k.startsWith('fc.')),
  });
}
