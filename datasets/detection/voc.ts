/**
 * Pascal VOC: the VOCdevkit layout as the official archives unpack —
 *   VOCdevkit/VOC2007/{Annotations/*.xml, JPEGImages/*.jpg, ImageSets/Main/{train,val,trainval,test}.txt}
 * — parsed with fast-xml-parser. `difficult` objects are kept (flagged); split unions are written like
 * Detectron2's dataset names: `voc_2007_trainval+voc_2012_trainval`. A custom dataset in the same layout
 * (one year folder, with a `classes.txt` listing its class names one per line) loads the same way.
 *
 * Coordinates — the one place that converts them. VOC stores 1-based, inclusive pixel indices: a box with
 * xmin = 1, xmax = 10 covers the first ten pixel columns. resdet's continuous convention puts pixel column i
 * (0-based) on [i, i+1), so those ten columns are [0, 10):
 *   continuous x1 = xmin - 1,  y1 = ymin - 1,  x2 = xmax,  y2 = ymax     (width = xmax - xmin + 1 = x2 - x1)
 * and back: xmin = x1 + 1, xmax = x2 (rounded to whole pixels, as VOC has no fractions). This is what
 * Detectron2 does; VOC evaluation (eval/) converts back with continuousToVoc.
 */
import * as fs from 'fs';
import * as path from 'path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DatasetError } from '../classification/types';
import { orientedSize } from '../classification/decode';
import { DatasetRoot } from './dataset_root';
import { classMapFromNames, DatasetRecord, DetectionDataset, makeRecord, ObjectDraft } from './record';
import { checkBox, checkImageExists, parseCoord, ProblemLog, readSplitFile, unknownClassMessage } from './validate';
import { xmlEscape } from '../../run/xml_escape';

export const VOC_CLASSES = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

export type Box = [number, number, number, number];

/** VOC [xmin, ymin, xmax, ymax] (1-based inclusive) → continuous [x1, y1, x2, y2]. */
export function vocToContinuous(b: Box): Box {
  return [b[0] - 1, b[1] - 1, b[2], b[3]];
}

/** Continuous [x1, y1, x2, y2] → VOC [xmin, ymin, xmax, ymax] (1-based inclusive, whole pixels). */
export function continuousToVoc(b: Box | Float64Array | Float32Array): Box {
  return [Math.round(b[0]) + 1, Math.round(b[1]) + 1, Math.round(b[2]), Math.round(b[3])];
}

const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'object' });

interface XmlObject {
  name?: unknown;
  difficult?: unknown;
  bndbox?: Record<string, unknown>;
}

export interface VocAnnotation {
  filename?: string;
  width?: number;
  height?: number;
  objects: { index: number; name: string; difficult: boolean; box: Box }[];
}

/**
 * Parses one annotation XML; problems go to log (naming the file and the object). Objects with unusable
 * boxes are left out; boxes come back in continuous coordinates, not yet clipped.
 */
export function parseVocXml(text: string, file: string, log: ProblemLog): VocAnnotation | null {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    log.error(file, `line ${valid.err.line}`, `malformed XML: ${valid.err.msg}`);
    return null;
  }
  let ann: { filename?: unknown; size?: { width?: unknown; height?: unknown }; object?: XmlObject[] } | undefined;
  try {
    ann = parser.parse(text)?.annotation;
  } catch (e) {
    // fast-xml-parser refuses what it will not expand (external entities in a DOCTYPE): nothing was read
    log.error(file, '', `unsupported XML: ${(e as Error).message}`);
    return null;
  }
  if (!ann || typeof ann !== 'object') {
    log.error(file, '', 'no <annotation> element: not a VOC annotation file');
    return null;
  }
  const out: VocAnnotation = { objects: [] };
  if (typeof ann.filename === 'string') out.filename = ann.filename.trim();
  const w = parseCoord(ann.size?.width);
  const h = parseCoord(ann.size?.height);
  if (w !== null && h !== null && w > 0 && h > 0) {
    out.width = w;
    out.height = h;
  }
  const objs: XmlObject[] = Array.isArray(ann.object) ? ann.object : [];
  objs.forEach((o, i) => {
    const name = typeof o.name === 'string' ? o.name.trim() : '';
    const what = `object ${i + 1}${name ? ` (${name})` : ''}`;
    if (!name) {
      log.error(file, what, 'has no <name>');
      return;
    }
    if (!o.bndbox || typeof o.bndbox !== 'object') {
      log.error(file, what, 'has no <bndbox>');
      return;
    }
    const keys = ['xmin', 'ymin', 'xmax', 'ymax'];
    const vals = keys.map((k) => parseCoord(o.bndbox![k]));
    const bad = keys.filter((_, k) => vals[k] === null);
    if (bad.length) {
      log.error(file, what, `non-numeric or missing <bndbox> coordinates: ${bad.map((k) => `${k}=${JSON.stringify(o.bndbox![k] ?? null)}`).join(', ')}`);
      return;
    }
    out.objects.push({ index: i + 1, name, difficult: String(o.difficult ?? '0').trim() === '1', box: vocToContinuous(vals as Box) });
  });
  return out;
}

/** The XML text of one record, in VOC's coordinates (the inverse of parseVocXml). */
export function vocXml(r: DatasetRecord, classNames: string[], filename: string): string {
  const objs: string[] = [];
  for (let i = 0; i < r.labels.length; i++) {
    const [xmin, ymin, xmax, ymax] = continuousToVoc(r.boxes.subarray(4 * i, 4 * i + 4));
    objs.push(
      `\t<object>\n\t\t<name>${xmlEscape(classNames[r.labels[i]])}</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n` +
        `\t\t<difficult>${r.difficult[i]}</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>${xmin}</xmin>\n\t\t\t<ymin>${ymin}</ymin>\n` +
        `\t\t\t<xmax>${xmax}</xmax>\n\t\t\t<ymax>${ymax}</ymax>\n\t\t</bndbox>\n\t</object>\n`,
    );
  }
  return (
    `<annotation>\n\t<folder>JPEGImages</folder>\n\t<filename>${xmlEscape(filename)}</filename>\n` +
    `\t<size>\n\t\t<width>${r.width}</width>\n\t\t<height>${r.height}</height>\n\t\t<depth>3</depth>\n\t</size>\n` +
    `\t<segmented>0</segmented>\n${objs.join('')}</annotation>\n`
  );
}

export interface VocSplit {
  /** the year folder, e.g. .../VOCdevkit/VOC2007 */
  dir: string;
  /** ImageSets/Main/<split>.txt, or undefined for every XML in Annotations/ */
  split?: string;
}

const isDir = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();

/** A VOCdevkit folder (with VOC20xx inside), its parent, or a year folder itself. */
export function findVocYearDir(root: string, year: string): string | null {
  for (const d of [path.join(root, `VOC${year}`), path.join(root, 'VOCdevkit', `VOC${year}`)]) if (isDir(path.join(d, 'Annotations'))) return d;
  if (path.basename(root) === `VOC${year}` && isDir(path.join(root, 'Annotations'))) return root;
  return null;
}

/**
 * Resolves a split spec against a root: `voc_2007_trainval+voc_2012_trainval` (years looked up under the
 * root), or a plain split name `trainval` / undefined when the root is itself a year folder.
 */
export function resolveVocSplits(root: string, spec?: string): VocSplit[] {
  if (!isDir(root)) throw new DatasetError(`VOC: ${root} is not a directory`);
  if (spec && /^voc_\d{4}_\w+(\+voc_\d{4}_\w+)*$/.test(spec)) {
    return spec.split('+').map((part) => {
      const [, year, split] = part.match(/^voc_(\d{4})_(\w+)$/)!;
      const dir = findVocYearDir(root, year);
      if (!dir) throw new DatasetError(`VOC: no VOC${year}/Annotations under ${root} (needed for ${part})`);
      return { dir, split };
    });
  }
  if (isDir(path.join(root, 'Annotations'))) return [{ dir: root, split: spec }];
  const years = ['2007', '2012', ...fs.readdirSync(root).map((n) => n.match(/^VOC(\d{4})$/)?.[1]).filter((y): y is string => !!y)];
  const found = [...new Set(years)].map((y) => findVocYearDir(root, y)).filter((d): d is string => !!d);
  if (found.length === 1) return [{ dir: found[0], split: spec }];
  if (found.length > 1) {
    throw new DatasetError(`VOC: ${root} holds several years (${found.map((d) => path.basename(d)).join(', ')}): name the split, e.g. voc_2007_trainval+voc_2012_trainval`);
  }
  throw new DatasetError(`VOC: ${root} has no Annotations/ folder and no VOCdevkit/VOC20xx inside`);
}

export interface VocOptions {
  root: string;
  /** `voc_2007_trainval+voc_2012_trainval`, `trainval`, or undefined for all annotations */
  split?: string;
  /** class names; default: classes.txt in the year folder, else the 20 VOC classes */
  classes?: string[];
}

/** The class names of a VOC year folder: `given`, else its classes.txt (one per line), else the 20 VOC classes. */
export function vocClassNames(dir: string, given?: string[]): string[] {
  if (given) return given;
  const f = path.join(dir, 'classes.txt');
  if (fs.existsSync(f)) return fs.readFileSync(f, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
  return VOC_CLASSES;
}

export async function loadVoc(opts: VocOptions): Promise<DetectionDataset> {
  const splits = resolveVocSplits(opts.root, opts.split);
  const classNames = vocClassNames(splits[0].dir, opts.classes);
  const index = new Map(classNames.map((n, i) => [n, i]));
  const log = new ProblemLog();
  const records: DatasetRecord[] = [];
  for (const s of splits) {
    const annDir = path.join(s.dir, 'Annotations');
    const images = new DatasetRoot(path.join(s.dir, 'JPEGImages'));
    const ids = s.split
      ? readSplitFile(path.join(s.dir, 'ImageSets', 'Main', `${s.split}.txt`), log)
      : fs.readdirSync(annDir).filter((n) => n.endsWith('.xml')).sort().map((n) => n.slice(0, -4));
    const annotations = new DatasetRoot(annDir);
    for (const id of ids) {
      const xmlFile = annotations.resolve(`${id}.xml`);
      if (!xmlFile) {
        log.error(path.join(s.dir, 'ImageSets', 'Main', `${s.split}.txt`), `image ${id}`, annotations.outsideMessage(`${id}.xml`, 'annotation path'));
        continue;
      }
      if (!fs.existsSync(xmlFile)) {
        log.error(xmlFile, `image ${id}`, `annotation file missing (listed in ${s.split ?? 'Annotations'})`);
        continue;
      }
      const ann = parseVocXml(fs.readFileSync(xmlFile, 'utf8'), xmlFile, log);
      if (!ann) continue;
      const named = ann.filename ?? `${id}.jpg`;
      const inFolder = images.resolve(named);
      const jpeg = images.resolve(`${id}.jpg`);
      if (!inFolder || !jpeg) {
        log.error(xmlFile, `image ${id}`, images.outsideMessage(inFolder ? `${id}.jpg` : named));
        continue;
      }
      const image = fs.existsSync(inFolder) ? inFolder : jpeg;
      if (!checkImageExists(image, log, xmlFile, `image ${id}`)) continue;
      let { width, height } = ann;
      if (width === undefined || height === undefined) {
        try {
          ({ width, height } = await orientedSize(image));
        } catch (e) {
          log.unreadable(image, `image ${id}`, (e as Error).message);
          continue;
        }
      }
      const objects: ObjectDraft[] = [];
      ann.objects.forEach((o) => {
        const what = `object ${o.index} (${o.name})`;
        const label = index.get(o.name);
        if (label === undefined) {
          log.error(xmlFile, what, unknownClassMessage(o.name, classNames));
          return;
        }
        const v = continuousToVoc(o.box);
        const box = checkBox(o.box, width!, height!, log, xmlFile, what, `xmin=${v[0]} ymin=${v[1]} xmax=${v[2]} ymax=${v[3]}`);
        if (box) objects.push({ box, label, difficult: o.difficult });
      });
      records.push(makeRecord({ imageId: records.length + 1, file: image, width, height, name: id }, objects));
    }
  }
  const name = opts.split && opts.split.startsWith('voc_') ? opts.split : `voc:${splits.map((s) => `${path.basename(s.dir)}${s.split ? '/' + s.split : ''}`).join('+')}`;
  return { name, format: 'voc', classes: classMapFromNames(classNames), records, problems: log.problems };
}
