/**
 * Classifier checkpoints: what a ResNet classifier needs to be rebuilt and used (architecture, options,
 * class names, input normalisation) next to its weights, and loading from whatever `--weights` names:
 * a run folder, a resdet checkpoint, or a torchvision weights file (ImageNet classes).
 */
import IMAGENET_CLASSES from '../imagenet_classes.json';
import { ResNet, ResNetOptions } from '../resnet';
import { resolveCheckpoint, readCheckpointMeta, readTorchLayoutTensors, CheckpointError } from '../../run/checkpoint';
import { loadBackboneWeights } from '../load_weights';

export interface ClassifierInfo {
  arch: string;
  options: Required<ResNetOptions>;
  classNames: string[];
  /** input size [h, w, c] the net was trained on; null for ImageNet weights (any size) */
  imageShape: [number, number, number] | null;
  mean: number[];
  std: number[];
}

export function imagenetClassNames(): string[] {
  return IMAGENET_CLASSES.slice();
}

function imagenetInfo(arch: string): ClassifierInfo {
  return {
    arch,
    options: { numClasses: 1000, shortcut: 'B', strideIn1x1: false, widthMultiplier: 1, inputChannels: 3 },
    classNames: imagenetClassNames(),
    imageShape: null,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  };
}

/**
 * Loads a classifier. For a resdet checkpoint the architecture comes from its metadata (`arch`, if given,
 * must agree); for a torchvision file `arch` is required. The model is returned in eval mode.
 */
export async function loadClassifier(weights: string, arch?: string): Promise<{ model: ResNet; info: ClassifierInfo; step: number }> {
  const ck = resolveCheckpoint(weights);
  if (ck.meta) {
    const meta = await readCheckpointMeta(ck.meta);
    if (meta.kind !== 'classifier') throw new CheckpointError(`${ck.meta}: a ${meta.kind} checkpoint, not a classifier`);
    const info = meta.classifier as ClassifierInfo;
    if (arch && arch !== info.arch) {
      throw new CheckpointError(`${ck.model}: checkpoint of architecture ${info.arch}, but --arch ${arch} was given`);
    }
    const model = new ResNet(info.arch, info.options);
    model.loadStateDict(await readTorchLayoutTensors(ck.model), { source: ck.model, torchLayout: true, ignore: (k) => k.endsWith('num_batches_tracked') });
    return { model: model.eval(), info, step: meta.step };
  }
  if (!arch) throw new CheckpointError(`${weights}: not a resdet checkpoint; pass --arch to say which architecture these weights are for`);
  const info = imagenetInfo(arch);
  const model = new ResNet(arch, info.options);
  await loadBackboneWeights(model, ck.model);
  return { model: model.eval(), info, step: 0 };
}
