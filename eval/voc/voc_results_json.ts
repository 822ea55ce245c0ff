/**
 * Detections for VOC evaluation as a COCO-style results JSON with class names:
 *   [{"image_id": "000005", "category": "dog", "bbox": [x, y, w, h], "score": 0.93}, …]
 * (`category_name` is accepted for `category`). The bbox is resdet's continuous [x, y, w, h], converted to VOC's
 * 1-based inclusive pixels as [x + 1, y + 1, x + w, y + h]. A numeric image_id matches the image set's id with
 * that number (5 → "000005").
 */
import { EvalInputError } from '../eval_error';
import { box4, describe, field, finiteNumber, list } from '../field_check';
import { readJsonFile } from '../json_file';
import { VocBox, VocDetection } from './voc_types';

export function vocDetectionsFromJson(data: unknown, imageIds: string[], source = 'results'): VocDetection[] {
  const entries = list(data, 'a results file', source);
  const known = new Set(imageIds);
  const byNumber = new Map<number, string | null>();
  for (const id of imageIds) {
    const n = Number(id);
    if (id.trim() !== '' && Number.isFinite(n)) byNumber.set(n, byNumber.has(n) ? null : id);
  }
  return entries.map((e, i) => {
    const where = () => `${source}: [${i}]`;
    const rawId = field(e, 'image_id', where);
    let imageId: string | undefined;
    if (typeof rawId === 'string') imageId = rawId;
    else if (typeof rawId === 'number') imageId = known.has(String(rawId)) ? String(rawId) : byNumber.get(rawId) ?? undefined;
    else throw new EvalInputError(`${where()}: "image_id" must be a string or a number, got ${describe(rawId)}`);
    if (imageId === undefined || !known.has(imageId)) throw new EvalInputError(`${where()}: image_id ${describe(rawId)} is not in the image set`);
    const rec = e as Record<string, unknown>;
    const className = rec.category ?? rec.category_name;
    if (className === undefined) throw new EvalInputError(`${where()}: missing field "category" (the class name)`);
    if (typeof className !== 'string') throw new EvalInputError(`${where()}: "category" must be a class name, got ${describe(className)}`);
    const b = box4(e, 'bbox', where);
    if (b[2] < 0 || b[3] < 0) throw new EvalInputError(`${where()}: bbox [x, y, w, h] has negative ${b[2] < 0 ? 'width' : 'height'} (${describe(b)})`);
    const score = finiteNumber(e, 'score', where);
    const box: VocBox = [b[0] + 1, b[1] + 1, b[0] + b[2], b[1] + b[3]];
    return { imageId, className, score, box };
  });
}

export function readVocResultsJson(file: string, imageIds: string[]): VocDetection[] {
  return vocDetectionsFromJson(readJsonFile(file), imageIds, file);
}
