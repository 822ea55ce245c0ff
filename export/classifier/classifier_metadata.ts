/**
 * What an exported classifier says about itself: a doc string for people (what the net is, the input it takes
 * and how to prepare it, the output) and metadata for programs. `resdet.classifier` holds the checkpoint's
 * ClassifierInfo as JSON (architecture, options, class names, input size, normalisation), which is all that
 * `classify predict --engine onnxruntime` needs to run a `.onnx` file by itself.
 */
import type { ClassifierInfo } from '../../backbone/classifier/checkpoint';
import { modelInfoFromMetadata } from '../model_info';

export const CLASSIFIER_KEY = 'resdet.classifier';

/** How to turn an image file into the model's input. */
export function inputPreparation(info: ClassifierInfo): string {
  if (!info.imageShape) return 'resize the shorter side to 256 (bilinear, antialiased), centre-crop 224x224 (torchvision\'s ImageNet evaluation)';
  return `resize to ${info.imageShape[1]}x${info.imageShape[0]} (width x height, aspect not kept), the size the net was trained on`;
}

export function classifierDocString(info: ClassifierInfo, source: string): string {
  const k = info.classNames.length;
  const grey = info.options.inputChannels === 1 ? 'converts to grey (0.299 R + 0.587 G + 0.114 B) and ' : '';
  return [
    `resdet ${info.arch} classifier (${k} classes), exported from ${source}; batch norm folded into the convolutions.`,
    `Input 'input': float32 NCHW [N, 3, H, W], RGB values 0-255. Prepare each image as resdet classify predict does: ${inputPreparation(info)}.`,
    `The graph ${grey}normalises itself: (v/255 - mean)/std with mean [${info.mean}] and std [${info.std}].`,
    `Output 'logits': [N, ${k}]; softmax gives the class probabilities. Class names: metadata '${CLASSIFIER_KEY}' (JSON, classNames).`,
  ].join('\n');
}

export function classifierMetadata(info: ClassifierInfo, source: string): Record<string, string> {
  return {
    'resdet.kind': 'classifier',
    [CLASSIFIER_KEY]: JSON.stringify(info),
    'resdet.input': `RGB 0-255, NCHW float32 [N,3,H,W]; ${inputPreparation(info)}`,
    'resdet.source': source,
  };
}

/** The ClassifierInfo an exported file carries; `file` names it in the error when it carries none. */
export function classifierInfoFromMetadata(meta: Record<string, string>, file: string): ClassifierInfo {
  return modelInfoFromMetadata<ClassifierInfo>(meta, file, 'classifier', CLASSIFIER_KEY);
}
