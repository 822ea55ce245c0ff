/**
 * Reads and checks COCO inputs: the ground-truth dataset (`instances_*.json`) and a results list. Problems end in
 * one EvalInputError naming the file, the record and the field. What pycocotools silently ignores is counted.
 */
import { EvalInputError } from '../eval_error';
import { box4, describe, field, finiteNumber, list, Where } from '../field_check';
import * as fs from 'fs';
import { parseJson, readJsonFile } from '../json_file';
import { scanCocoResults, ScannedResults } from './coco_results_scan';
import { CocoDetections, CocoGroundTruth, DtColumns, GtColumns } from './coco_types';

function sortedUnique(ids: number[]): number[] {
  return Array.from(new Set(ids)).sort((a, b) => a - b);
}

function indexOf(ids: number[]): Map<number, number> {
  return new Map(ids.map((id, i) => [id, i]));
}

function checkBoxSize(b: number[], where: Where): void {
  if (b[2] < 0 || b[3] < 0) throw new EvalInputError(`${where()}: bbox [x, y, w, h] has negative ${b[2] < 0 ? 'width' : 'height'} (${describe(b)})`);
}

export function loadCocoGroundTruth(data: unknown, source = 'ground truth'): CocoGroundTruth {
  const images = list(field(data, 'images', () => source), '"images"', source);
  const anns = list(field(data, 'annotations', () => source), '"annotations"', source);
  const cats = list(field(data, 'categories', () => source), '"categories"', source);

  const imageIds = sortedUnique(images.map((im, i) => finiteNumber(im, 'id', () => `${source}: images[${i}]`)));
  const names = new Map<number, string>();
  cats.forEach((c, i) => {
    const where = () => `${source}: categories[${i}]`;
    const id = finiteNumber(c, 'id', where);
    const name = (c as Record<string, unknown>).name;
    if (name !== undefined && typeof name !== 'string') throw new EvalInputError(`${where()}: "name" must be a string, got ${describe(name)}`);
    names.set(id, name ?? String(id));
  });
  const catIds = sortedUnique(Array.from(names.keys()));
  const imageIndex = indexOf(imageIds);
  const categoryIndex = indexOf(catIds);

  const n = anns.length;
  const gt: GtColumns = {
    count: 0,
    id: new Float64Array(n),
    image: new Int32Array(n),
    category: new Int32Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    w: new Float64Array(n),
    h: new Float64Array(n),
    area: new Float64Array(n),
    crowd: new Uint8Array(n),
  };
  let skipped = 0;
  for (let i = 0; i < n; i++) {
    const a = anns[i];
    const where = () => `${source}: annotations[${i}]`;
    const id = finiteNumber(a, 'id', where);
    if (id < 1) throw new EvalInputError(`${where()}: annotation id must be ≥ 1 (0 means "unmatched" in COCO evaluation), got ${id}`);
    const imageId = finiteNumber(a, 'image_id', where);
    const catId = finiteNumber(a, 'category_id', where);
    const b = box4(a, 'bbox', where);
    checkBoxSize(b, where);
    const area = finiteNumber(a, 'area', where);
    const crowdRaw = (a as Record<string, unknown>).iscrowd;
    if (crowdRaw !== undefined && crowdRaw !== 0 && crowdRaw !== 1 && typeof crowdRaw !== 'boolean') {
      throw new EvalInputError(`${where()}: "iscrowd" must be 0 or 1, got ${describe(crowdRaw)}`);
    }
    const im = imageIndex.get(imageId);
    const cat = categoryIndex.get(catId);
    if (im === undefined || cat === undefined) {
      skipped++;
      continue;
    }
    const k = gt.count++;
    gt.id[k] = id;
    gt.image[k] = im;
    gt.category[k] = cat;
    gt.x[k] = b[0];
    gt.y[k] = b[1];
    gt.w[k] = b[2];
    gt.h[k] = b[3];
    gt.area[k] = area;
    gt.crowd[k] = crowdRaw ? 1 : 0;
  }
  return {
    imageIds,
    categories: catIds.map((id) => ({ id, name: names.get(id)! })),
    imageIndex,
    categoryIndex,
    gt,
    skippedAnnotations: skipped,
  };
}

/** Empty detection columns with room for n entries. */
function newDtColumns(n: number): DtColumns {
  return {
    count: 0,
    image: new Int32Array(n),
    category: new Int32Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    w: new Float64Array(n),
    h: new Float64Array(n),
    score: new Float64Array(n),
  };
}

export function loadCocoDetections(data: unknown, gt: CocoGroundTruth, source = 'results'): CocoDetections {
  const dets = list(data, 'a results file', source);
  const n = dets.length;
  const dt = newDtColumns(n);
  const unknownCategories = new Map<number, number>();
  let missingImages = 0;
  let firstMissing = -1;
  for (let i = 0; i < n; i++) {
    const d = dets[i];
    const where = () => `${source}: [${i}]`;
    const imageId = finiteNumber(d, 'image_id', where);
    const catId = finiteNumber(d, 'category_id', where);
    const b = box4(d, 'bbox', where);
    checkBoxSize(b, where);
    const score = finiteNumber(d, 'score', where);
    const im = gt.imageIndex.get(imageId);
    if (im === undefined) {
      if (missingImages++ === 0) firstMissing = i;
      continue;
    }
    const cat = gt.categoryIndex.get(catId);
    if (cat === undefined) {
      unknownCategories.set(catId, (unknownCategories.get(catId) ?? 0) + 1);
      continue;
    }
    const k = dt.count++;
    dt.image[k] = im;
    dt.category[k] = cat;
    dt.x[k] = b[0];
    dt.y[k] = b[1];
    dt.w[k] = b[2];
    dt.h[k] = b[3];
    dt.score[k] = score;
  }
  if (missingImages > 0) {
    const id = (dets[firstMissing] as { image_id: number }).image_id;
    throw new EvalInputError(
      `${source}: ${missingImages} detection(s) name images that are not in the ground truth (first: [${firstMissing}] image_id ${id}); ` +
        'results must correspond to the ground-truth images, as pycocotools requires',
    );
  }
  return { dt, unknownCategories };
}

export function readCocoGroundTruth(file: string): CocoGroundTruth {
  return loadCocoGroundTruth(readJsonFile(file), file);
}

/** Columns from the fast reader; null when any record needs the full checks (which then name the problem). */
function detectionsFromScan(r: ScannedResults, gt: CocoGroundTruth): CocoDetections | null {
  const n = r.count;
  const dt = newDtColumns(n);
  const unknownCategories = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const x = r.bbox[4 * i], y = r.bbox[4 * i + 1], w = r.bbox[4 * i + 2], h = r.bbox[4 * i + 3];
    const score = r.score[i];
    if (!(w >= 0 && h >= 0 && Number.isFinite(x + y + w + h + score + r.imageId[i] + r.categoryId[i]))) return null;
    const im = gt.imageIndex.get(r.imageId[i]);
    if (im === undefined) return null;
    const cat = gt.categoryIndex.get(r.categoryId[i]);
    if (cat === undefined) {
      unknownCategories.set(r.categoryId[i], (unknownCategories.get(r.categoryId[i]) ?? 0) + 1);
      continue;
    }
    const k = dt.count++;
    dt.image[k] = im;
    dt.category[k] = cat;
    dt.x[k] = x;
    dt.y[k] = y;
    dt.w[k] = w;
    dt.h[k] = h;
    dt.score[k] = score;
  }
  return { dt, unknownCategories };
}

export function readCocoDetections(file: string, gt: CocoGroundTruth): CocoDetections {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new EvalInputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const scanned = scanCocoResults(bytes);
  const fast = scanned && detectionsFromScan(scanned, gt);
  return fast || loadCocoDetections(parseJson(bytes.toString('utf8'), file), gt, file);
}
