/**
 * Decoding one image with sharp straight into its slot of a batch: EXIF orientation applied, jittered if
 * planned, alpha dropped, grey expanded to RGB, brought to the planned size, mirrored and normalised.
 * Ways to reach the planned size (`resizer`):
 *   - 'auto' (the 'sharp' resize mode): sharp only decodes; bilinear.ts enlarges, mirrors and normalises in one
 *     pass when the image grows on both axes — the usual case (VOC's 500x375 and COCO's 640x480 go to a shorter
 *     side of 600 or 800) — and triangle.ts's antialiasing filter otherwise. Both are what the exported ONNX
 *     graph computes, so an export sees the pixels resdet sees.
 *   - 'js' (the 'torch-bilinear' mode): bilinear.ts both ways, as torchvision's interpolate without antialias.
 *   - 'sharp': libvips resizes (its 'linear' kernel) and mirrors; then a lookup-table normalisation (for
 *     comparisons; it rounds to bytes and quantises its filter, so it is within a grey level of 'auto').
 * A job may bring the image's decoded pixels (`cached`: decoded_cache.ts), which then stand for the file, or ask
 * for them back (`keep`): a copy in a SharedArrayBuffer, which the worker threads share without copying.
 * The function takes its helpers as `deps` and refers to nothing else, so the same code runs in the main
 * thread and, as source text, in the worker threads of decode_pool.ts.
 */
import sharp from 'sharp';
import { toRgb } from '../../classification/decode';
import { resizeNormalizeInto } from './bilinear';
import { filterNormalizeInto } from './triangle';
import { writeNormalized } from './normalize';
import { ImagePlan } from './transforms';
import { DecodedPixels } from './decoded_cache';

export type Resizer = 'auto' | 'sharp' | 'js';

export interface DecodeJob {
  file: string;
  plan: ImagePlan;
  /** the record's (oriented) size */
  size: { width: number; height: number };
  resizer: Resizer;
  /** the batch's float storage (a SharedArrayBuffer when workers write it) */
  buffer: ArrayBufferLike;
  /** first float of this image's slot, and floats per batch row (padded width x 3) */
  offset: number;
  rowStride: number;
  /** normalisation: lookup table by source channel (sharp path), scale/bias by output channel (js path) */
  lut: Float32Array;
  scale: number[];
  bias: number[];
  bgr: boolean;
  /** the file's decoded pixels, kept from an earlier epoch (only on the JS resize paths, without jitter) */
  cached?: DecodedPixels;
  /** hand the decoded pixels back (to be cached) */
  keep?: boolean;
}

export interface DecodeDeps {
  sharp: typeof sharp;
  toRgb: typeof toRgb;
  resizeNormalizeInto: typeof resizeNormalizeInto;
  filterNormalizeInto: typeof filterNormalizeInto;
  writeNormalized: typeof writeNormalized;
}

export const LOCAL_DEPS: DecodeDeps = { sharp, toRgb, resizeNormalizeInto, filterNormalizeInto, writeNormalized };

/**
 * Decodes job.file (or takes job.cached) into its batch slot; throws an Error whose message names the file.
 * Resolves to the decoded pixels when job.keep asks for them, else null.
 */
export async function decodeInto(d: DecodeDeps, job: DecodeJob): Promise<DecodedPixels | null> {
  const g = job.plan.geometry;
  const grows = g.width >= job.size.width && g.height >= job.size.height && (g.width > job.size.width || g.height > job.size.height);
  const js = job.resizer !== 'sharp';
  const resample = job.resizer === 'js' || grows ? d.resizeNormalizeInto : d.filterNormalizeInto;
  try {
    let px: Uint8Array;
    let width: number;
    let height: number;
    if (job.cached) {
      if (!js || job.plan.jitter) throw new Error('decoded pixels were given for a path that decodes with libvips');
      ({ data: px, width, height } = job.cached);
    } else {
      let img = d.sharp(job.file, { failOn: 'truncated', sequentialRead: true }).rotate();
      if (!js) {
        img = img.resize({ width: g.width, height: g.height, fit: 'fill', kernel: 'linear' });
        if (job.plan.flip) img = img.flop();
      }
      if (job.plan.jitter) {
        const { brightness, contrast, saturation } = job.plan.jitter;
        img = img.modulate({ brightness, saturation }).linear(contrast, 128 * (1 - contrast));
      }
      // sharp's output colourspace is sRGB by default (CMYK and profiles converted); alpha is dropped as PIL's convert('RGB') does
      const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
      if (!js && (info.width !== g.width || info.height !== g.height)) throw new Error(`decoded to ${info.width}x${info.height}, planned ${g.width}x${g.height}`);
      ({ width, height } = info);
      px = d.toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), width * height, info.channels);
    }
    const out = new Float32Array(job.buffer);
    if (js) resample(px, width, height, g.width, g.height, job.plan.flip, out, job.offset, job.rowStride, job.scale, job.bias, job.bgr);
    else d.writeNormalized(px, g.width, g.height, out, job.offset, job.rowStride, job.lut, job.bgr);
    if (!job.keep || job.cached) return null;
    const kept = new Uint8Array(new SharedArrayBuffer(px.length));
    kept.set(px);
    return { data: kept, width, height };
  } catch (e) {
    throw new Error(`cannot decode image ${job.file}: ${(e as Error).message}`);
  }
}
