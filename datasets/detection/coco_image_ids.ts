/**
 * The COCO image id of an image file, from a COCO instances file (or a COCO dataset folder): the image whose
 * file_name is the longest trailing part of the file's path (`000000139.jpg`, or `val2017/000000139.jpg`), so
 * detections of `resdet predict --coco-ids` carry the ids `resdet eval coco --gt` expects.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../classification/types';
import { cocoAnnotationFile } from './detect_format';

function readImages(file: string): Map<string, number> {
  let doc: { images?: { id?: unknown; file_name?: unknown }[] };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DatasetError(`${file}: cannot read as COCO JSON: ${(e as Error).message}`);
  }
  if (!doc || !Array.isArray(doc.images)) throw new DatasetError(`${file}: no "images" list (not a COCO instances file)`);
  const ids = new Map<string, number>();
  doc.images.forEach((im, i) => {
    if (typeof im?.id !== 'number' || typeof im.file_name !== 'string') throw new DatasetError(`${file}: images[${i}] needs a numeric "id" and a "file_name"`);
    ids.set(im.file_name.replace(/\\/g, '/').replace(/^\.\//, ''), im.id);
  });
  return ids;
}

/** A lookup from an image path to its COCO id; `source` is an instances JSON or a COCO dataset folder. */
export function cocoImageIds(source: string, split?: string): (file: string) => number | undefined {
  if (!fs.existsSync(source)) throw new DatasetError(`${source}: no such COCO file or folder`);
  let file: string;
  try {
    file = cocoAnnotationFile(source, split);
  } catch (e) {
    throw new DatasetError(`${(e as Error).message.replace(/: name one with --split.*$/, '')}: give the instances file itself`);
  }
  const ids = readImages(file);
  return (file) => {
    const parts = path.resolve(file).split(path.sep);
    for (let k = parts.length - 1; k >= 1; k--) {
      const id = ids.get(parts.slice(-k).join('/'));
      if (id !== undefined) return id;
    }
    return undefined;
  };
}
