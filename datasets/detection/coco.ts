/**
 * MS COCO instances files (`annotations/instances_{train,val}2017.json` beside `train2017/`, `val2017/`) and
 * custom datasets in the same JSON format. Boxes are COCO's [x, y, w, h] in continuous pixels → [x1, y1, x2, y2].
 * `iscrowd` regions are kept, flagged in `crowd` (not training targets; evaluation needs them). Category ids,
 * which need not be 1..K, map to contiguous labels 0..K-1 in ascending id order; the map is `classes`.
 * The file is streamed (json_stream.ts): a 450 MB train file is never held as one string.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../classification/types';
import { DatasetRecord, DetectionDataset, makeRecord, ObjectDraft } from './record';
import { streamJsonArrays } from './json_stream';
import { DatasetRoot } from './dataset_root';
import { checkBox, checkImageExists, IdChecker, ProblemLog } from './validate';

export interface CocoOptions {
  /** the instances JSON */
  annotationFile: string;
  /** folder holding the images' file_name paths; default: <root>/<split> for annotations/instances_<split>.json, else the JSON's folder */
  imageDir?: string;
  /** keep images that have no annotations (default true; training usually skips them) */
  keepEmpty?: boolean;
}

interface CocoImage {
  id: number;
  file: string;
  width: number;
  height: number;
}

interface CocoAnn {
  id: number;
  imageId: number;
  categoryId: number;
  bbox: number[];
  crowd: boolean;
  difficult: boolean;
  area?: number;
}

/** The usual image folder for an annotation file: instances_val2017.json → ../val2017. */
export function defaultCocoImageDir(annotationFile: string): string {
  const m = path.basename(annotationFile).match(/^instances_(.+)\.json$/);
  const annDir = path.dirname(path.resolve(annotationFile));
  if (m && path.basename(annDir) === 'annotations') {
    const d = path.join(path.dirname(annDir), m[1]);
    if (fs.existsSync(d)) return d;
  }
  if (m && fs.existsSync(path.join(annDir, m[1]))) return path.join(annDir, m[1]);
  return annDir;
}

const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

export async function loadCoco(opts: CocoOptions): Promise<DetectionDataset> {
  const file = opts.annotationFile;
  if (!fs.existsSync(file)) throw new DatasetError(`COCO: annotation file ${file} does not exist`);
  const imageDir = opts.imageDir ?? defaultCocoImageDir(file);
  const root = new DatasetRoot(imageDir);
  const log = new ProblemLog();
  const imageIds = new IdChecker('image', log, file);
  const annIds = new IdChecker('annotation', log, file);
  const catIds = new IdChecker('category', log, file);
  const images = new Map<number, CocoImage>();
  const cats: { id: number; name: string }[] = [];
  const anns: CocoAnn[] = [];
  let segmented = 0;
  let keypoints = 0;

  const keys = await streamJsonArrays(file, ['images', 'annotations', 'categories'], (key, v, i) => {
    const o = obj(v);
    if (key === 'categories') {
      const what = `categories[${i}]`;
      if (!o) return log.error(file, what, 'is not an object');
      if (!catIds.check(o.id, `${what} (${String(o.name)})`)) return;
      cats.push({ id: o.id as number, name: typeof o.name === 'string' ? o.name : String(o.id) });
    } else if (key === 'images') {
      const what = `image id ${o?.id ?? `images[${i}]`}`;
      if (!o) return log.error(file, `images[${i}]`, 'is not an object');
      if (!imageIds.check(o.id, what)) return;
      const w = o.width;
      const h = o.height;
      if (typeof o.file_name !== 'string' || !o.file_name) return log.error(file, what, 'has no file_name');
      if (typeof w !== 'number' || typeof h !== 'number' || !(w > 0) || !(h > 0)) {
        return log.error(file, `${what} (${o.file_name})`, `has no valid width/height (${JSON.stringify(w)} x ${JSON.stringify(h)})`);
      }
      const image = root.resolve(o.file_name);
      if (!image) return log.error(file, what, root.outsideMessage(o.file_name));
      images.set(o.id as number, { id: o.id as number, file: image, width: w, height: h });
    } else {
      if (!o) return log.error(file, `annotations[${i}]`, 'is not an object');
      const what = `annotation id ${JSON.stringify(o.id)}`;
      if (!annIds.check(o.id, what)) return;
      const bbox = o.bbox;
      if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        return log.error(file, what, `bbox ${JSON.stringify(bbox ?? null)} is not four numbers [x, y, w, h]`);
      }
      if (o.segmentation && (!Array.isArray(o.segmentation) || o.segmentation.length > 0)) segmented++;
      if (Array.isArray(o.keypoints)) keypoints++;
      anns.push({
        id: o.id as number, imageId: o.image_id as number, categoryId: o.category_id as number, bbox: bbox as number[],
        crowd: o.iscrowd === 1 || o.iscrowd === true, difficult: o.difficult === 1 || o.difficult === true, area: typeof o.area === 'number' ? o.area : undefined,
      });
    }
  });
  for (const k of ['images', 'annotations', 'categories']) {
    if (!keys.includes(k)) log.error(file, '', `has no "${k}" list: not a COCO instances file`);
  }

  cats.sort((a, b) => a.id - b.id);
  const labelOf = new Map(cats.map((c, i) => [c.id, i]));
  const perImage = new Map<number, ObjectDraft[]>();
  for (const a of anns) {
    const what = `annotation id ${a.id}`;
    const img = images.get(a.imageId);
    if (!img) {
      log.error(file, what, `image_id ${JSON.stringify(a.imageId)} is not in "images"`);
      continue;
    }
    const label = labelOf.get(a.categoryId);
    if (label === undefined) {
      log.error(file, what, `category_id ${JSON.stringify(a.categoryId)} is not in "categories" (ids: ${cats.map((c) => c.id).join(', ')})`);
      continue;
    }
    const [x, y, w, h] = a.bbox;
    const box = checkBox([x, y, x + w, y + h], img.width, img.height, log, file, `${what} (image id ${a.imageId})`, `bbox [${a.bbox.join(', ')}]`);
    if (!box) continue;
    let list = perImage.get(a.imageId);
    if (!list) perImage.set(a.imageId, (list = []));
    list.push({ box, label, crowd: a.crowd, difficult: a.difficult, annotationId: a.id, area: a.area });
  }
  anns.length = 0;

  const records: DatasetRecord[] = [];
  const keepEmpty = opts.keepEmpty ?? true;
  for (const img of images.values()) {
    const objects = perImage.get(img.id) ?? [];
    if (objects.length === 0 && !keepEmpty) continue;
    if (!checkImageExists(img.file, log, file, `image id ${img.id}`)) continue;
    const r = makeRecord({ imageId: img.id, file: img.file, width: img.width, height: img.height, name: path.basename(img.file) }, objects);
    if (!r.annotationIds) r.annotationIds = new Int32Array(0);
    records.push(r);
  }
  return {
    name: `coco:${path.basename(file)}`,
    format: 'coco',
    classes: { names: cats.map((c) => c.name), categoryIds: cats.map((c) => c.id) },
    records,
    problems: log.problems,
    notLoaded: [
      ...(segmented ? [`segmentation of ${segmented} annotation(s) (resdet keeps boxes, and the COCO area)`] : []),
      ...(keypoints ? [`keypoints of ${keypoints} annotation(s)`] : []),
      ...keys.filter((k) => !['images', 'annotations', 'categories'].includes(k)).map((k) => `the top-level "${k}" section`),
    ],
  };
}

/** COCO instances JSON for a dataset (the inverse of loadCoco); file names relative to imageDir. */
export function cocoJson(ds: DetectionDataset, fileName: (r: DatasetRecord) => string): object {
  const images = ds.records.map((r) => ({ id: r.imageId, file_name: fileName(r), width: r.width, height: r.height }));
  const annotations: object[] = [];
  let nextId = 1;
  const used = new Set<number>();
  for (const r of ds.records) r.annotationIds?.forEach((id) => used.add(id));
  for (const r of ds.records) {
    for (let i = 0; i < r.labels.length; i++) {
      const b = r.boxes.subarray(4 * i, 4 * i + 4);
      let id = r.annotationIds && r.annotationIds.length === r.labels.length ? r.annotationIds[i] : 0;
      if (!(id > 0)) {
        while (used.has(nextId)) nextId++;
        id = nextId++;
      }
      const bbox = [b[0], b[1], b[2] - b[0], b[3] - b[1]];
      const a: Record<string, unknown> = {
        id, image_id: r.imageId, category_id: ds.classes.categoryIds[r.labels[i]], bbox,
        area: r.areas ? r.areas[i] : bbox[2] * bbox[3], iscrowd: r.crowd[i],
      };
      if (r.difficult[i]) a.difficult = 1;
      annotations.push(a);
    }
  }
  const categories = ds.classes.names.map((name, i) => ({ id: ds.classes.categoryIds[i], name, supercategory: 'none' }));
  return { images, annotations, categories };
}
