/**
 * A CSV of boxes, one object per line: `image,x1,y1,x2,y2,label` (keras-retinanet style). Image paths are
 * relative to the CSV's folder (or absolute) and must lie inside that folder (dataset_root.ts); an optional header
 * line is skipped; a line with the box and
 * label fields empty (`img.jpg,,,,,`) declares an image without objects. Coordinates are absolute continuous
 * pixels. Classes: the `classes` option, else a `classes.txt` beside the CSV, else the sorted label names.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../classification/types';
import { classMapFromNames, DatasetRecord, DetectionDataset, makeRecord, ObjectDraft } from './record';
import { readImageSizes } from './image_size';
import { DatasetRoot } from './dataset_root';
import { checkBox, parseCoord, ProblemLog, unknownClassMessage } from './validate';

export interface CsvOptions {
  file: string;
  classes?: string[];
}

/** Splits one CSV line; fields may be "quoted" (with "" for a quote). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

export function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function classesFile(csv: string): string[] | undefined {
  const f = path.join(path.dirname(csv), 'classes.txt');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l) : undefined;
}

export async function loadCsv(opts: CsvOptions): Promise<DetectionDataset> {
  const file = opts.file;
  if (!fs.existsSync(file)) throw new DatasetError(`CSV: ${file} does not exist`);
  const log = new ProblemLog();
  const dir = path.dirname(path.resolve(file));
  const root = new DatasetRoot(dir);
  const rows: { image: string; line: number; box?: [number, number, number, number]; label?: string }[] = [];
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    const what = `line ${i + 1}`;
    const f = splitCsvLine(text);
    if (i === 0 && f[1]?.toLowerCase() === 'x1') return; // header
    if (f.length !== 6) return log.error(file, what, `has ${f.length} fields, expected 6: image,x1,y1,x2,y2,label`);
    const image = root.resolve(f[0]);
    if (!image) return log.error(file, what, root.outsideMessage(f[0]));
    if (f.slice(1).every((v) => v === '')) return void rows.push({ image, line: i + 1 });
    const c = f.slice(1, 5).map(parseCoord);
    if (c.some((v) => v === null)) return log.error(file, `${what} (${f[0]})`, `non-numeric coordinates: ${f.slice(1, 5).join(',')}`);
    if (!f[5]) return log.error(file, `${what} (${f[0]})`, 'has no label');
    rows.push({ image, line: i + 1, box: c as [number, number, number, number], label: f[5] });
  });
  if (rows.length === 0 && log.count('error') === 0) log.error(file, '', 'lists no images');

  const classNames = opts.classes ?? classesFile(file) ?? [...new Set(rows.filter((r) => r.label).map((r) => r.label!))].sort();
  const index = new Map(classNames.map((n, i) => [n, i]));
  const order: string[] = [];
  const objects = new Map<string, { draft: ObjectDraft; line: number }[]>();
  for (const r of rows) {
    if (!objects.has(r.image)) {
      objects.set(r.image, []);
      order.push(r.image);
    }
  }
  const firstLine = new Map(rows.map((r) => [r.image, r.line]).reverse() as [string, number][]);
  const present = order.filter((img) => {
    if (fs.existsSync(img)) return true;
    log.error(file, `line ${firstLine.get(img)}`, `points at image ${img}, which does not exist`);
    return false;
  });
  const sizes = await readImageSizes(present, log, (img) => `line ${firstLine.get(img)}`);
  for (const r of rows) {
    const size = sizes.get(r.image);
    if (!size || !r.box) continue;
    const what = `line ${r.line} (${path.basename(r.image)})`;
    const label = index.get(r.label!);
    if (label === undefined) {
      log.error(file, what, unknownClassMessage(r.label!, classNames));
      continue;
    }
    const box = checkBox(r.box, size.width, size.height, log, file, what);
    if (box) objects.get(r.image)!.push({ draft: { box, label }, line: r.line });
  }
  const records: DatasetRecord[] = [];
  for (const img of present) {
    const size = sizes.get(img);
    if (!size) continue;
    records.push(makeRecord({ imageId: records.length + 1, file: img, ...size, name: path.relative(dir, img) }, objects.get(img)!.map((o) => o.draft)));
  }
  return { name: `csv:${path.basename(file)}`, format: 'csv', classes: classMapFromNames(classNames), records, problems: log.problems };
}
