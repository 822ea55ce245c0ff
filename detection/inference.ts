/**
 * Running a detector over dataset records: test transforms (no randomness), batches through the model,
 * detections mapped back to each image's original pixels exactly (the scale factors the pipeline kept).
 */
import * as tf from '@tensorflow/tfjs';
import { tensorFromCopy } from '../engine/tensor_copy';
import { DatasetRecord, ClassMap } from '../datasets/detection/record';
import { BatchProducer } from '../datasets/detection/pipeline/producer';
import { TransformOptions } from '../datasets/detection/pipeline/transforms';
import { boxesToOriginal } from '../datasets/detection/pipeline/geometry';
import { Progress } from '../run/progress';
import type { DetectorModel } from './modeling/detector_model';

/** Detections of one record in original-image pixels (continuous coordinates). */
export interface ImageDetections {
  index: number;
  imageId: number;
  file: string;
  boxes: Float64Array;
  scores: Float32Array;
  labels: Int32Array;
}

export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
  file_name?: string;
  category_name?: string;
}

export async function detectRecords(
  model: DetectorModel,
  records: DatasetRecord[],
  transforms: TransformOptions,
  opts: { batchSize?: number; quiet?: boolean; onSkip?: (file: string, message: string) => void } = {},
): Promise<{ detections: ImageDetections[]; skipped: number }> {
  const bs = opts.batchSize ?? 1;
  const batches: Int32Array[] = [];
  for (let i = 0; i < records.length; i += bs) batches.push(Int32Array.from({ length: Math.min(bs, records.length - i) }, (_, k) => i + k));
  const producer = new BatchProducer(records, batches, { transforms: { ...transforms, flip: false, jitter: undefined }, onSkip: opts.onSkip }, null);
  const progress = new Progress('detect', records.length, opts.quiet);
  const out: ImageDetections[] = [];
  let done = 0;
  try {
    for await (const batch of producer) {
      // a copy: the producer recycles its batch buffers, and a TypedArray backend would keep this one by reference
      const x = tensorFromCopy<tf.Rank.R4>(batch.images, batch.shape);
      const dets = model.detect(x, batch.metas.map((m) => ({ width: m.geometry.width, height: m.geometry.height })));
      x.dispose();
      batch.metas.forEach((m, k) => {
        const d = dets[k];
        out.push({
          index: m.index,
          imageId: m.imageId,
          file: m.file,
          boxes: boxesToOriginal(d.boxes, m.geometry, m.flipped, { width: m.originalWidth, height: m.originalHeight }),
          scores: d.scores,
          labels: d.labels,
        });
      });
      done += batch.metas.length;
      progress.update(done);
    }
  } finally {
    progress.stop();
  }
  return { detections: out, skipped: producer.skipped.length };
}

/** COCO results list: [x, y, w, h] boxes, the dataset's own category ids, file names for convenience. */
export function toCocoResults(dets: ImageDetections[], classes: ClassMap): CocoResult[] {
  const out: CocoResult[] = [];
  for (const d of dets) {
    for (let k = 0; k < d.scores.length; k++) {
      const [x1, y1, x2, y2] = d.boxes.subarray(4 * k, 4 * k + 4);
      out.push({
        image_id: d.imageId,
        category_id: classes.categoryIds[d.labels[k]],
        bbox: [x1, y1, x2 - x1, y2 - y1],
        score: d.scores[k],
        file_name: d.file,
        category_name: classes.names[d.labels[k]],
      });
    }
  }
  return out;
}
