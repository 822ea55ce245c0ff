/**
 * Reads a VOC year folder for evaluation: ImageSets/Main/<set>.txt (one image id per line) and
 * Annotations/<id>.xml per image (objects with name, difficult and bndbox), parsed with fast-xml-parser.
 */
import * as fs from 'fs';
import * as path from 'path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EvalInputError } from '../eval_error';
import { VocBox, VocGroundTruth, VocObject } from './voc_types';

const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'object' });

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new EvalInputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Image ids of ImageSets/Main/<set>.txt: the first token of each non-blank line. */
export function readImageSet(root: string, imageset: string): string[] {
  const file = path.join(root, 'ImageSets', 'Main', `${imageset}.txt`);
  return readText(file)
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((id) => id !== '');
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return undefined;
  return String(v).trim();
}

/** The objects of one annotation file, in XML order. */
export function parseVocAnnotation(xml: string, file: string): VocObject[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new EvalInputError(`${file}: invalid XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  let doc: { annotation?: { object?: Record<string, unknown>[] } };
  try {
    doc = parser.parse(xml);
  } catch (e) {
    // fast-xml-parser refuses what it will not expand (external entities in a DOCTYPE): nothing was read
    throw new EvalInputError(`${file}: unsupported XML: ${(e as Error).message}`);
  }
  if (!doc.annotation || typeof doc.annotation !== 'object') throw new EvalInputError(`${file}: no <annotation> element`);
  return (doc.annotation.object ?? []).map((o, i) => {
    const where = `${file}: object ${i + 1}`;
    const name = text(o.name);
    if (!name) throw new EvalInputError(`${where}: missing <name>`);
    const bb = o.bndbox as Record<string, unknown> | undefined;
    if (!bb || typeof bb !== 'object') throw new EvalInputError(`${where} (${name}): missing <bndbox>`);
    const box = (['xmin', 'ymin', 'xmax', 'ymax'] as const).map((k) => {
      const s = text(bb[k]);
      const v = s === undefined || s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) throw new EvalInputError(`${where} (${name}): <${k}> must be a number, got ${s === undefined ? 'nothing' : `'${s}'`}`);
      return v;
    }) as VocBox;
    if (box[2] < box[0] - 1 || box[3] < box[1] - 1) throw new EvalInputError(`${where} (${name}): box has negative ${box[2] < box[0] - 1 ? 'width' : 'height'} (${box.join(', ')})`);
    const difficult = text(o.difficult);
    return { name, difficult: difficult !== undefined && difficult !== '' && Number(difficult) !== 0, box };
  });
}

export function readVocGroundTruth(root: string, imageset: string): VocGroundTruth {
  const imageIds = readImageSet(root, imageset);
  const objects = new Map<string, VocObject[]>();
  for (const id of imageIds) {
    const file = path.join(root, 'Annotations', `${id}.xml`);
    objects.set(id, parseVocAnnotation(readText(file), file));
  }
  return { imageIds, objects };
}
