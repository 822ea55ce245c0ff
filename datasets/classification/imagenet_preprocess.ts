/**
 * torchvision's ImageNet evaluation preprocessing for one image file:
 *   Resize(256) -> CenterCrop(224) -> ToTensor() -> Normalize(mean, std)
 * returned as Float32Array HWC (not torch's CHW) with its shape.
 *
 * Differences from torchvision + PIL that sharp does not let us remove:
 * - PIL's antialiased bilinear resize is one separable triangle filter stretched by the scale factor.
 *   libvips (sharp, kernel 'linear') uses the same kind of filter but may box-shrink by an integer factor
 *   first on large reductions, and rounds differently. Measured against torchvision 0.14 + PIL 9.4 on
 *   synthetic 500x375 and 2000x1500 PNG/JPEG images: at most 2-3 levels of 255 apart, ~0.3 on average.
 *   JPEG shrink-on-load is disabled (fastShrinkOnLoad: false); it would widen the gap.
 * - sharp converts images with an embedded ICC profile (e.g. CMYK or Adobe RGB JPEGs) to sRGB;
 *   PIL's convert('RGB') ignores profiles.
 * - EXIF orientation is applied by default (torchvision's loader does not); pass autoOrient: false
 *   for the reference behaviour.
 */
import { decodeRgb, orientedSize, RawRgb } from './decode';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

export interface ImagenetPreprocessOptions {
  /** shorter side after resizing (default 256) */
  resize?: number;
  /** centre crop side (default 224) */
  crop?: number;
  mean?: number[];
  std?: number[];
  /** apply EXIF orientation (default true) */
  autoOrient?: boolean;
}

export interface PreprocessedImage {
  /** H*W*3, normalised */
  data: Float32Array;
  /** [H, W, 3] */
  shape: [number, number, number];
}

/** Python 3's round(): halves go to the even neighbour (torchvision's center_crop uses it). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's Resize(size) output size for an int size: shorter side -> size, longer truncated. */
export function resizedSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** The first steps alone: the resized, centre-cropped RGB pixels (0–255), before normalisation. */
export async function imagenetCrop(file: string, opts: ImagenetPreprocessOptions = {}): Promise<RawRgb> {
  const size = opts.resize ?? 256;
  const crop = opts.crop ?? 224;
  const autoOrient = opts.autoOrient ?? true;
  if (crop > size) throw new Error(`preprocessImagenet: crop ${crop} larger than resize ${size}`);
  const src = await orientedSize(file, autoOrient);
  const { width, height } = resizedSize(src.width, src.height, size);
  const img = await decodeRgb(
    file,
    (s) => s.resize({ width, height, fit: 'fill', kernel: 'linear', fastShrinkOnLoad: false }),
    autoOrient,
  );
  const top = pyRound((img.height - crop) / 2);
  const left = pyRound((img.width - crop) / 2);
  const data = new Uint8Array(crop * crop * 3);
  for (let y = 0; y < crop; y++) data.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + crop) * 3), y * crop * 3);
  return { data, width: crop, height: crop };
}

export async function preprocessImagenet(file: string, opts: ImagenetPreprocessOptions = {}): Promise<PreprocessedImage> {
  const mean = opts.mean ?? IMAGENET_MEAN;
  const std = opts.std ?? IMAGENET_STD;
  const img = await imagenetCrop(file, opts);
  const scale = std.map((s) => 1 / (255 * s));
  const bias = mean.map((m, c) => -m / std[c]);
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < img.data.length; i++) data[i] = img.data[i] * scale[i % 3] + bias[i % 3];
  return { data, shape: [img.height, img.width, 3] };
}
