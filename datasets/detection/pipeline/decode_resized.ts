/**
 * Decoding one image with sharp straight to its planned size: EXIF orientation applied, resized with a
 * bilinear kernel to exactly geometry.width x geometry.height, mirrored if planned, jittered if planned,
 * alpha dropped and grey expanded to RGB. libvips does all of it on sharp's worker threads, so several
 * images decode in parallel while JavaScript runs the training step.
 */
import sharp from 'sharp';
import { DatasetError } from '../../classification/types';
import { toRgb } from '../../classification/decode';
import { ImagePlan } from './transforms';

export async function decodeResized(file: string, plan: ImagePlan): Promise<Uint8Array> {
  const { width, height } = plan.geometry;
  try {
    let img = sharp(file, { failOn: 'truncated', sequentialRead: true })
      .rotate()
      .resize({ width, height, fit: 'fill', kernel: 'linear' });
    if (plan.flip) img = img.flop();
    if (plan.jitter) {
      const { brightness, contrast, saturation } = plan.jitter;
      img = img.modulate({ brightness, saturation }).linear(contrast, 128 * (1 - contrast));
    }
    // sharp's output colourspace is sRGB by default (CMYK and profiles converted); alpha is dropped as PIL's convert('RGB') does
    const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height) throw new Error(`decoded to ${info.width}x${info.height}, planned ${width}x${height}`);
    return toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), width * height, info.channels);
  } catch (e) {
    throw new DatasetError(`cannot decode image ${file}: ${(e as Error).message}`);
  }
}
