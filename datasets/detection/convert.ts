/**
 * Writing a dataset in COCO, VOC or YOLO layout — for `resdet data convert` and for the synthetic datasets.
 * Lossless where the target format can hold the data; everything it cannot hold is counted and reported in
 * `dropped`, e.g. VOC and YOLO have no crowd regions, VOC has whole-pixel coordinates, YOLO has no difficult flag.
 *   coco: <out>/annotations/instances_<split>.json, images in <out>/<split>/
 *   voc:  <out>/Annotations/<stem>.xml, <out>/JPEGImages/, <out>/ImageSets/Main/<split>.txt, <out>/classes.txt
 *   yolo: <out>/images/<split>/, <out>/labels/<split>/<stem>.txt, <out>/classes.txt
 */
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../../engine/atomic_write';
import { DatasetRecord, DetectionDataset } from './record';
import { cocoJson } from './coco';
import { continuousToVoc, vocXml } from './voc';
import { yoloLabels } from './yolo';

export type TargetFormat = 'coco' | 'voc' | 'yolo';
export const TARGET_FORMATS: TargetFormat[] = ['coco', 'voc', 'yolo'];

export interface WriteOptions {
  /** split name used in file and folder names (default: from the dataset name, else "all") */
  split?: string;
  /** the images already sit where the layout wants them (synthetic data): do not copy */
  imagesInPlace?: boolean;
}

export interface WriteReport {
  format: TargetFormat;
  out: string;
  split: string;
  images: number;
  objects: number;
  /** what the target format could not hold, one sentence each */
  dropped: string[];
  /** where the annotations went */
  files: string[];
}

/** A split name from the dataset name: instances_val2017.json → val2017, voc_2007_test → test. */
export function defaultSplitName(ds: DetectionDataset): string {
  const coco = ds.name.match(/instances_(.+)\.json$/);
  if (coco) return coco[1];
  const voc = ds.name.match(/^voc_\d{4}_(\w+)$/) ?? ds.name.match(/\/(\w+)$/);
  return voc ? voc[1] : 'all';
}

const text = (s: string) => new TextEncoder().encode(s);

/** Output file names: the source basenames, made unique (and, for VOC/YOLO, unique stems) by an index prefix. */
function outputNames(records: DatasetRecord[]): string[] {
  const seen = new Set<string>();
  return records.map((r, i) => {
    let n = path.basename(r.file);
    if (seen.has(path.parse(n).name)) n = `${i}_${n}`;
    seen.add(path.parse(n).name);
    return n;
  });
}

/**
 * A copy of the image (a reflink where the file system has them), never a hard link: editing a converted image
 * must not edit the source.
 */
function placeImage(src: string, dst: string): void {
  if (path.resolve(src) === path.resolve(dst)) return;
  fs.rmSync(dst, { force: true });
  fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE);
}

/** The record without its crowd regions (for formats that cannot hold them). */
function withoutCrowd(r: DatasetRecord): DatasetRecord {
  if (!r.crowd.some((c) => c)) return r;
  const keep = Array.from(r.crowd.keys()).filter((i) => !r.crowd[i]);
  return {
    ...r,
    boxes: Float64Array.from(keep.flatMap((i) => Array.from(r.boxes.subarray(4 * i, 4 * i + 4)))),
    labels: Int32Array.from(keep, (i) => r.labels[i]),
    crowd: new Uint8Array(keep.length),
    difficult: Uint8Array.from(keep, (i) => r.difficult[i]),
    annotationIds: undefined,
    areas: undefined,
  };
}

function count(ds: DetectionDataset, f: (r: DatasetRecord, i: number) => boolean): number {
  let n = 0;
  for (const r of ds.records) for (let i = 0; i < r.labels.length; i++) if (f(r, i)) n++;
  return n;
}

export async function writeDataset(ds: DetectionDataset, out: string, format: TargetFormat, opts: WriteOptions = {}): Promise<WriteReport> {
  const split = opts.split ?? defaultSplitName(ds);
  const names = outputNames(ds.records);
  const report: WriteReport = {
    format, out, split, images: ds.records.length, objects: count(ds, () => true), files: [],
    dropped: (ds.notLoaded ?? []).map((n) => `${n}: not read from the source`),
  };
  const crowd = count(ds, (r, i) => r.crowd[i] === 1);
  const difficult = count(ds, (r, i) => r.difficult[i] === 1);
  const idsNot1K = ds.classes.categoryIds.some((id, i) => id !== i + 1);
  const imageDir = format === 'coco' ? path.join(out, split) : format === 'voc' ? path.join(out, 'JPEGImages') : path.join(out, 'images', split);
  fs.mkdirSync(imageDir, { recursive: true });
  if (!opts.imagesInPlace) ds.records.forEach((r, i) => placeImage(r.file, path.join(imageDir, names[i])));
  const writeText = async (file: string, s: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await atomicWrite(file, [text(s)]);
  };

  if (format === 'coco') {
    const file = path.join(out, 'annotations', `instances_${split}.json`);
    const nameOf = new Map(ds.records.map((r, i) => [r, names[i]]));
    await writeText(file, JSON.stringify(cocoJson(ds, (r) => nameOf.get(r)!)));
    report.files.push(file);
    if (difficult) report.dropped.push(`nothing dropped; ${difficult} difficult flag(s) kept as a "difficult": 1 field that only resdet reads`);
    if (ds.format !== 'coco') report.dropped.push('annotation ids were assigned (1..N); area = box area');
    return report;
  }

  fs.writeFileSync(path.join(out, 'classes.txt'), ds.classes.names.join('\n') + '\n');
  if (crowd) report.dropped.push(`${crowd} crowd region(s) dropped (${format.toUpperCase()} has no crowd annotations)`);
  if (idsNot1K) report.dropped.push(`category ids [${ds.classes.categoryIds.join(', ')}] not kept: classes are numbered by classes.txt order`);
  if (ds.records.some((r) => r.annotationIds?.length)) report.dropped.push('COCO image and annotation ids not kept (images are named by file)');
  const areaDiffers = count(ds, (r, i) => !!r.areas && Math.abs(r.areas[i] - (r.boxes[4 * i + 2] - r.boxes[4 * i]) * (r.boxes[4 * i + 3] - r.boxes[4 * i + 1])) > 1e-6);
  if (areaDiffers) report.dropped.push(`${areaDiffers} COCO area value(s) (segment areas) not kept: the box area stands in`);

  if (format === 'voc') {
    const rounded = count(ds, (r, i) => {
      const b = r.boxes.subarray(4 * i, 4 * i + 4);
      const v = continuousToVoc(b);
      return v[0] - 1 !== b[0] || v[1] - 1 !== b[1] || v[2] !== b[2] || v[3] !== b[3];
    });
    if (rounded) report.dropped.push(`${rounded} box(es) with fractional coordinates rounded to whole pixels (VOC stores pixel indices)`);
    const ids: string[] = [];
    fs.mkdirSync(path.join(out, 'Annotations'), { recursive: true });
    ds.records.forEach((r, k) => {
      fs.writeFileSync(path.join(out, 'Annotations', `${path.parse(names[k]).name}.xml`), vocXml(withoutCrowd(r), ds.classes.names, names[k]));
      ids.push(path.parse(names[k]).name);
    });
    const splitFile = path.join(out, 'ImageSets', 'Main', `${split}.txt`);
    await writeText(splitFile, ids.join('\n') + '\n');
    report.files.push(path.join(out, 'Annotations'), splitFile);
    return report;
  }

  if (difficult) report.dropped.push(`${difficult} difficult flag(s) dropped (YOLO has none): those objects are now ordinary targets`);
  report.dropped.push('coordinates stored relative to the image size with 6 decimals');
  const labelDir = path.join(out, 'labels', split);
  fs.mkdirSync(labelDir, { recursive: true });
  ds.records.forEach((r, k) => {
    fs.writeFileSync(path.join(labelDir, `${path.parse(names[k]).name}.txt`), yoloLabels(withoutCrowd(r)));
  });
  report.files.push(labelDir);
  return report;
}
