/**
 * A detector exported to ONNX, run by ONNX Runtime: each image decoded as resdet's pipeline decodes it (EXIF
 * orientation applied, alpha dropped, grey expanded to RGB), handed to the graph as [3, H, W] 0–255 (the graph
 * resizes, normalises and pads it itself), detections back in the image's pixels — the same results as the
 * tfjs Detector (detection/detector.ts) to float rounding.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type * as Ort from 'onnxruntime-node';
import { toRgb } from '../../datasets/classification/decode';
import { SkippedImages } from '../../datasets/detection/skipped_images';
import { DatasetError } from '../../datasets/classification/types';
import { CheckpointError } from '../../run/checkpoint';
import type { ClassMap } from '../../datasets/detection/record';
import type { ImageDetections } from '../../detection/inference';
import { Detection, toDetections } from '../../detection/detector';
import type { DetectorInfo } from '../detector/detector_metadata';
import { createSession, onnxruntime } from './onnxruntime';

/** An image file as float32 [3, H, W] RGB 0–255 (planar). */
async function planarRgb(file: string): Promise<{ data: Float32Array; width: number; height: number }> {
  const { data, info } = await sharp(file, { failOn: 'truncated' }).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const plane = info.width * info.height;
  const px = toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), plane, info.channels);
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = px[3 * p + c];
  return { data: out, width: info.width, height: info.height };
}

export class OnnxDetector {
  readonly classes: ClassMap;

  private constructor(private readonly session: Ort.InferenceSession, readonly info: DetectorInfo) {
    this.classes = info.classes;
  }

  /** `source` names the model in errors. */
  static async open(bytes: Uint8Array, info: DetectorInfo, source: string): Promise<OnnxDetector> {
    return new OnnxDetector(await createSession(bytes, source), info);
  }

  /** Detections of one decoded image: boxes in its pixels, by descending score. */
  private async run(img: { data: Float32Array; width: number; height: number }): Promise<{ boxes: Float64Array; scores: Float32Array; labels: Int32Array }> {
    const ort = onnxruntime();
    const x = new ort.Tensor('float32', img.data, [3, img.height, img.width]);
    const out = await this.session.run({ image: x });
    x.dispose();
    const result = {
      boxes: Float64Array.from(out.boxes.data as Float32Array),
      scores: Float32Array.from(out.scores.data as Float32Array),
      labels: Int32Array.from(out.labels.data as BigInt64Array, (v) => Number(v)),
    };
    Object.values(out).forEach((t) => t.dispose());
    return result;
  }

  /** As Detector.detectFiles: a missing file throws, an unreadable one is skipped and added to `opts.skipped`. */
  async detectFiles(files: string[], opts: { quiet?: boolean; skipped?: SkippedImages } = {}): Promise<ImageDetections[]> {
    const skipped = opts.skipped ?? new SkippedImages(null);
    const out: ImageDetections[] = [];
    for (const [i, f] of files.entries()) {
      if (!fs.existsSync(f)) throw new CheckpointError(`${f}: no such image`);
      const file = path.resolve(f);
      let img;
      try {
        img = await planarRgb(file);
      } catch (e) {
        skipped.add(file, (e as Error).message);
        continue;
      }
      out.push({ index: i, imageId: i + 1, file, ...(await this.run(img)) });
    }
    return out;
  }

  /** As Detector.detect: detections of one image file above `scoreThresh`. */
  async detect(file: string, scoreThresh = 0): Promise<Detection[]> {
    const skipped = new SkippedImages(null);
    const [d] = await this.detectFiles([file], { skipped });
    if (!d) throw new DatasetError(`${file}: ${skipped.list[0]?.reason ?? 'cannot read image'}`);
    return toDetections(d, this.classes).filter((x) => x.score >= scoreThresh);
  }

  dispose(): void {
    void this.session.release();
  }
}
