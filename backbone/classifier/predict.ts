/**
 * Classifying image files, as `resdet classify predict` does, on any engine: the pixels a classifier takes
 * (torchvision's resize 256 / centre crop 224 for ImageNet weights, the training size for resdet classifiers),
 * their normalisation (grey for one-channel nets, then (v/255 − mean)/std), and the top classes of the softmax.
 * `TfjsClassifier` runs a ResNet on the tfjs backend; export/runtime/ runs the exported ONNX graph, which takes
 * the same pixels and normalises them itself.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResNet } from '../resnet';
import type { ClassifierInfo } from './checkpoint';
import { imagenetCrop, preprocessImagenet } from '../../datasets/classification/imagenet_preprocess';
import { decodeRgb, RawRgb } from '../../datasets/classification/decode';

export interface ClassScore {
  index: number;
  name: string;
  probability: number;
}

/** What every engine's classifier offers. */
export interface ImageClassifier {
  readonly info: ClassifierInfo;
  /** The `top` most probable classes of an image file, most probable first. */
  classify(file: string, top: number): Promise<ClassScore[]>;
  dispose(): void;
}

type InputInfo = Pick<ClassifierInfo, 'imageShape' | 'mean' | 'std'>;

/** The RGB pixels (0–255) the classifier takes: ImageNet's crop, or the image resized to the training size. */
export async function classifierPixels(file: string, info: InputInfo): Promise<RawRgb> {
  if (!info.imageShape) return imagenetCrop(file);
  const [h, w] = info.imageShape;
  return decodeRgb(file, (img) => img.resize(w, h, { fit: 'fill' }));
}

/** A per-channel statistic given for one channel or each. */
export const perChannel = (v: number[], ch: number): number => v[v.length === 1 ? 0 : ch];

/** The luminance PIL's convert('L') computes (without its rounding). */
export const GREY = [0.299, 0.587, 0.114];

/** The normalised NHWC input of the tfjs net for a resdet classifier: grey for one channel, then (v/255 − mean)/std. */
export function normalisedInput(img: RawRgb, info: InputInfo, channels: number): tf.Tensor4D {
  const pixels = img.width * img.height;
  const data = new Float32Array(pixels * channels);
  const norm = (v: number, ch: number) => (v / 255 - perChannel(info.mean, ch)) / perChannel(info.std, ch);
  for (let p = 0; p < pixels; p++) {
    const [r, g, b] = [img.data[3 * p], img.data[3 * p + 1], img.data[3 * p + 2]];
    if (channels === 1) data[p] = norm(GREY[0] * r + GREY[1] * g + GREY[2] * b, 0);
    else for (let ch = 0; ch < 3; ch++) data[3 * p + ch] = norm([r, g, b][ch], ch);
  }
  return tf.tensor4d(data, [1, img.height, img.width, channels]);
}

/** The `k` most probable classes (ties: the lower index first). */
export function topClasses(probs: ArrayLike<number>, k: number, names: string[]): ClassScore[] {
  return Array.from({ length: probs.length }, (_, i) => i)
    .sort((a, b) => probs[b] - probs[a] || a - b)
    .slice(0, k)
    .map((i) => ({ index: i, name: names[i], probability: probs[i] }));
}

/** A ResNet classifier on the tfjs backend (eval mode). */
export class TfjsClassifier implements ImageClassifier {
  constructor(readonly model: ResNet, readonly info: ClassifierInfo) {}

  async classify(file: string, top: number): Promise<ClassScore[]> {
    const x = await this.input(file);
    const probs = tf.tidy(() => tf.softmax(this.model.classify(x)).dataSync());
    x.dispose();
    return topClasses(probs, top, this.info.classNames);
  }

  private async input(file: string): Promise<tf.Tensor4D> {
    if (this.info.imageShape) return normalisedInput(await classifierPixels(file, this.info), this.info, this.info.imageShape[2]);
    const p = await preprocessImagenet(file, { mean: this.info.mean, std: this.info.std });
    return tf.tensor4d(p.data, [1, ...p.shape]);
  }

  dispose(): void {
    this.model.dispose();
  }
}
