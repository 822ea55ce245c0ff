/**
 * Which format a dataset path is in, and opening it with the right loader. A path may be:
 *   - a COCO JSON file, or a folder with annotations/instances_*.json (COCO);
 *   - a VOCdevkit folder, a VOC20xx folder, or any folder with Annotations/ (VOC);
 *   - a .csv file, or a folder holding exactly one .csv (CSV);
 *   - a folder with images/ and labels/ (YOLO).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../classification/types';
import { DETECTION_FORMATS, DetectionDataset, DetectionFormat } from './record';
import { loadCoco } from './coco';
import { loadCsv } from './csv';
import { loadVoc } from './voc';
import { loadYolo } from './yolo';

const isDir = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();
const list = (d: string) => (isDir(d) ? fs.readdirSync(d) : []);

export function detectFormat(p: string): DetectionFormat {
  if (!fs.existsSync(p)) throw new DatasetError(`dataset ${p} does not exist`);
  if (!isDir(p)) {
    const ext = path.extname(p).toLowerCase();
    if (ext === '.json') return 'coco';
    if (ext === '.csv') return 'csv';
    throw new DatasetError(`cannot tell the format of ${p} (a .json COCO file, a .csv, or a dataset folder); name it with --format`);
  }
  const names = list(p);
  if (names.includes('Annotations') || names.includes('VOCdevkit') || names.some((n) => /^VOC\d{4}$/.test(n))) return 'voc';
  if (list(path.join(p, 'annotations')).some((n) => n.endsWith('.json')) || names.some((n) => n.endsWith('.json'))) return 'coco';
  if (names.includes('images') && names.includes('labels')) return 'yolo';
  if (names.filter((n) => n.toLowerCase().endsWith('.csv')).length === 1) return 'csv';
  throw new DatasetError(
    `cannot tell the format of folder ${p}: expected Annotations/ or VOCdevkit/ (voc), annotations/*.json (coco), ` +
      `images/ + labels/ (yolo) or one .csv file (csv); name it with --format ${DETECTION_FORMATS.join('|')}`,
  );
}

/** The COCO JSON for a path: the file itself, or annotations/instances_<split>.json (the only one, if no split). */
export function cocoAnnotationFile(p: string, split?: string): string {
  if (!isDir(p)) return p;
  const annDir = list(path.join(p, 'annotations')).length ? path.join(p, 'annotations') : p;
  const jsons = list(annDir).filter((n) => n.endsWith('.json')).sort();
  if (split) {
    const want = [`instances_${split}.json`, `${split}.json`].find((n) => jsons.includes(n));
    if (!want) throw new DatasetError(`COCO: no instances_${split}.json in ${annDir} (found: ${jsons.join(', ') || 'none'})`);
    return path.join(annDir, want);
  }
  const inst = jsons.filter((n) => n.startsWith('instances_'));
  const pick = inst.length ? inst : jsons;
  if (pick.length === 1) return path.join(annDir, pick[0]);
  if (pick.length === 0) throw new DatasetError(`COCO: no annotation JSON in ${annDir}`);
  throw new DatasetError(`COCO: ${annDir} has several annotation files (${pick.join(', ')}): name one with --split (e.g. --split ${pick[0].replace(/^instances_|\.json$/g, '')})`);
}

export interface OpenOptions {
  format?: DetectionFormat;
  /** VOC: trainval / voc_2007_trainval+voc_2012_trainval; COCO: train2017 / val2017; YOLO: sub-folder */
  split?: string;
  /** COCO: keep images without annotations (default true) */
  keepEmpty?: boolean;
  /** class names, for formats that do not carry them */
  classes?: string[];
}

/** Opens a dataset; problems are in the result's `problems` (use throwIfErrors before training). */
export async function openDetectionDataset(p: string, opts: OpenOptions = {}): Promise<DetectionDataset> {
  const format = opts.format ?? detectFormat(p);
  if (!DETECTION_FORMATS.includes(format)) throw new DatasetError(`unknown dataset format '${format}' (${DETECTION_FORMATS.join(', ')})`);
  if (!fs.existsSync(p)) throw new DatasetError(`dataset ${p} does not exist`);
  switch (format) {
    case 'voc':
      return loadVoc({ root: p, split: opts.split, classes: opts.classes });
    case 'coco':
      return loadCoco({ annotationFile: cocoAnnotationFile(p, opts.split), keepEmpty: opts.keepEmpty });
    case 'csv': {
      const file = isDir(p) ? path.join(p, list(p).find((n) => n.toLowerCase().endsWith('.csv')) ?? 'missing.csv') : p;
      return loadCsv({ file, classes: opts.classes });
    }
    case 'yolo':
      return loadYolo({ root: p, split: opts.split, classes: opts.classes });
  }
}
