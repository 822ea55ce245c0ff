/**
 * The one record type of the detection data layer, shared by every loader (VOC, COCO, CSV, YOLO, synthetic):
 * an image file, its size, and its objects as plain typed arrays. No tfjs: the trainer makes tensors.
 *
 * Box convention ("continuous", as COCO and torchvision use): a pixel with 0-based column i covers
 * [i, i+1), so a box [x1, y1, x2, y2] spans x1 <= x < x2 and its width is x2 - x1 (no +1). Boxes lie in
 * [0, width] x [0, height] of the image as stored on disk after EXIF orientation. VOC's 1-based inclusive
 * pixel indices are converted in voc.ts (vocToContinuous / continuousToVoc), the one place that knows
 * about them. Boxes are float64 so that COCO's decimal coordinates survive a round trip.
 */

export interface DatasetRecord {
  /** stable id: COCO image id, or the position in the dataset for other formats */
  imageId: number;
  /** absolute path of the image file */
  file: string;
  width: number;
  height: number;
  /** N*4 absolute [x1, y1, x2, y2] per object, continuous coordinates */
  boxes: Float64Array;
  /** N contiguous labels in [0, classNames.length) */
  labels: Int32Array;
  /** N flags: COCO iscrowd regions (not training targets; evaluation ignores detections on them) */
  crowd: Uint8Array;
  /** N flags: VOC difficult objects (excluded from training targets by default, kept for evaluation) */
  difficult: Uint8Array;
  /** per-object COCO `area` (the segment area COCO evaluation uses for size ranges), when the format has it */
  areas?: Float64Array;
  /** per-object source ids (COCO annotation ids), when the format has them */
  annotationIds?: Int32Array;
  /** VOC image id (file stem) or other name the format uses for the image */
  name?: string;
}

/**
 * Contiguous labels 0..K-1 and the ids the source format gave the classes (COCO category ids, which need not
 * be 1..K). Stored in checkpoints so that predictions can be written back with the dataset's own ids.
 */
export interface ClassMap {
  names: string[];
  /** categoryIds[label] = the source category id; for formats without ids, label + 1 */
  categoryIds: number[];
}

/** One finding about a dataset: an error stops training, a warning is reported and the data fixed. */
export interface Problem {
  level: 'error' | 'warning';
  /** the file concerned */
  file: string;
  /** the object concerned inside it (e.g. "object 3 (dog)", "annotation id 17", "line 12"), or '' */
  object: string;
  message: string;
  /** an image that cannot be read: commands that run a model skip it (skipped_images.ts) instead of stopping */
  unreadable?: boolean;
}

export interface DetectionDataset {
  /** e.g. "voc_2007_trainval", "coco:instances_val2017.json" */
  name: string;
  format: DetectionFormat;
  classes: ClassMap;
  records: DatasetRecord[];
  /** everything the loader found wrong (boxes clipped or dropped, missing images, ...) */
  problems: Problem[];
  /** what the source holds that records do not (e.g. COCO segmentations), one sentence each */
  notLoaded?: string[];
}

export type DetectionFormat = 'voc' | 'coco' | 'csv' | 'yolo';
export const DETECTION_FORMATS: DetectionFormat[] = ['voc', 'coco', 'csv', 'yolo'];

export function classMapFromNames(names: string[], categoryIds?: number[]): ClassMap {
  return { names: names.slice(), categoryIds: categoryIds ? categoryIds.slice() : names.map((_, i) => i + 1) };
}

/** A record with no objects, to be filled by a loader. */
export function emptyRecord(imageId: number, file: string, width: number, height: number, name?: string): DatasetRecord {
  return {
    imageId, file, width, height, name,
    boxes: new Float64Array(0), labels: new Int32Array(0), crowd: new Uint8Array(0), difficult: new Uint8Array(0),
  };
}

export interface ObjectDraft {
  box: [number, number, number, number];
  label: number;
  crowd?: boolean;
  difficult?: boolean;
  annotationId?: number;
  area?: number;
}

/** Builds a record from a list of objects. */
export function makeRecord(base: Omit<DatasetRecord, 'boxes' | 'labels' | 'crowd' | 'difficult' | 'annotationIds' | 'areas'>, objects: ObjectDraft[]): DatasetRecord {
  const n = objects.length;
  const r: DatasetRecord = {
    ...base,
    boxes: new Float64Array(4 * n), labels: new Int32Array(n), crowd: new Uint8Array(n), difficult: new Uint8Array(n),
  };
  if (objects.some((o) => o.annotationId !== undefined)) r.annotationIds = new Int32Array(n);
  if (objects.some((o) => o.area !== undefined)) r.areas = new Float64Array(n);
  objects.forEach((o, i) => {
    r.boxes.set(o.box, 4 * i);
    r.labels[i] = o.label;
    r.crowd[i] = o.crowd ? 1 : 0;
    r.difficult[i] = o.difficult ? 1 : 0;
    if (r.annotationIds) r.annotationIds[i] = o.annotationId ?? 0;
    if (r.areas) r.areas[i] = o.area ?? (o.box[2] - o.box[0]) * (o.box[3] - o.box[1]);
  });
  return r;
}

export function numObjects(r: DatasetRecord): number {
  return r.labels.length;
}
