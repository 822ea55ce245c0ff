/** Decoding an image file with sharp into raw 8-bit RGB, with errors that name the file. */
import sharp from 'sharp';
import { DatasetError } from './types';

export interface RawRgb {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Expand 1 (grey), 2 (grey+alpha), 3 or 4 (RGBA) channel pixels to RGB; alpha is dropped, as PIL's convert('RGB') does. */
export function toRgb(src: Uint8Array, pixels: number, channels: number): Uint8Array {
  if (channels === 3) return src;
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const s = p * channels;
    if (channels <= 2) {
      out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = src[s];
    } else {
      out[3 * p] = src[s];
      out[3 * p + 1] = src[s + 1];
      out[3 * p + 2] = src[s + 2];
    }
  }
  return out;
}

/**
 * Decode `file` (EXIF orientation applied unless autoOrient is false), let `edit` add steps such as a
 * resize, and return 8-bit RGB. Any sharp failure becomes a DatasetError naming the file.
 */
export async function decodeRgb(
  file: string,
  edit: (img: sharp.Sharp) => sharp.Sharp = (img) => img,
  autoOrient = true,
): Promise<RawRgb> {
  try {
    let img = sharp(file, { failOn: 'error' });
    if (autoOrient) img = img.rotate();
    const { data, info } = await edit(img).toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const u8 = new Uint8Array(data.buffer, data.byteOffset, data.length);
    return { data: toRgb(u8, info.width * info.height, info.channels), width: info.width, height: info.height };
  } catch (e) {
    throw new DatasetError(`cannot decode image ${file}: ${(e as Error).message}`);
  }
}

/** Width and height (after EXIF orientation, unless autoOrient is false), from the header only. */
export async function orientedSize(file: string, autoOrient = true): Promise<{ width: number; height: number }> {
  try {
    const m = await sharp(file).metadata();
    if (!m.width || !m.height) throw new Error('no dimensions in header');
    const swap = autoOrient && (m.orientation ?? 1) >= 5;
    return swap ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
  } catch (e) {
    throw new DatasetError(`cannot read image ${file}: ${(e as Error).message}`);
  }
}
