/**
 * The checks a dataset goes through before a long run, and the log they write to. Loaders call these while
 * reading; `resdet data check` adds a full decode of every image. Every message names the file and the object.
 *
 * Policy: a box partly outside the image is clipped (warning); a box of zero or negative area after clipping
 * is dropped (warning); non-numeric coordinates, unknown classes, missing images, duplicate or zero ids,
 * unknown category ids, empty split files and undecodable images are errors.
 */
import * as fs from 'fs';
import sharp from 'sharp';
import { DatasetError } from '../classification/types';
import { DetectionDataset, Problem } from './record';

export class ProblemLog {
  readonly problems: Problem[] = [];

  error(file: string, object: string, message: string): void {
    this.problems.push({ level: 'error', file, object, message });
  }

  /** An image whose header cannot be read: an error for `data check`, a skipped image for the commands. */
  unreadable(file: string, object: string, message: string): void {
    this.problems.push({ level: 'error', file, object, message, unreadable: true });
  }

  warn(file: string, object: string, message: string): void {
    this.problems.push({ level: 'warning', file, object, message });
  }

  count(level: Problem['level']): number {
    return this.problems.reduce((n, p) => n + (p.level === level ? 1 : 0), 0);
  }
}

export function formatProblem(p: Problem): string {
  return `${p.level}: ${p.file}${p.object ? `: ${p.object}` : ''}: ${p.message}`;
}

/** Throws a DatasetError listing the dataset's errors (the first 20 of them), if it has any. */
export function throwIfErrors(ds: Pick<DetectionDataset, 'name' | 'problems'>): void {
  const errors = ds.problems.filter((p) => p.level === 'error');
  if (errors.length === 0) return;
  const shown = errors.slice(0, 20).map((p) => '  ' + formatProblem(p));
  const more = errors.length > 20 ? `\n  ... and ${errors.length - 20} more (run \`resdet data check\` for all)` : '';
  throw new DatasetError(`${ds.name}: ${errors.length} error(s) in the dataset:\n${shown.join('\n')}${more}`);
}

/** Parses a coordinate; null when it is missing or not a finite number. */
export function parseCoord(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : null;
}

/**
 * Clips a continuous [x1, y1, x2, y2] box to the image, with a warning when it had to; returns null (with a
 * warning) when nothing of positive area is left. `shown` is the box as the file writes it, for messages.
 */
export function checkBox(
  box: [number, number, number, number], width: number, height: number, log: ProblemLog, file: string, object: string,
  shown = `[${box.join(', ')}]`,
): [number, number, number, number] | null {
  const [x1, y1, x2, y2] = box;
  if (!(x2 > x1) || !(y2 > y1)) {
    log.warn(file, object, `box ${shown} has zero or negative area: dropped`);
    return null;
  }
  const c: [number, number, number, number] = [
    Math.min(Math.max(x1, 0), width), Math.min(Math.max(y1, 0), height),
    Math.min(Math.max(x2, 0), width), Math.min(Math.max(y2, 0), height),
  ];
  if (c.some((v, i) => v !== box[i])) {
    if (!(c[2] > c[0]) || !(c[3] > c[1])) {
      log.warn(file, object, `box ${shown} lies outside the ${width}x${height} image: dropped`);
      return null;
    }
    log.warn(file, object, `box ${shown} extends outside the ${width}x${height} image: clipped to x1,y1,x2,y2 = [${c.join(', ')}]`);
  }
  return c;
}

export function unknownClassMessage(name: string, known: string[]): string {
  return `unknown class '${name}' (known classes: ${known.join(', ')})`;
}

/** Remembers ids of one kind and reports duplicates and ids that are not positive integers. */
export class IdChecker {
  private seen = new Set<number>();

  constructor(private what: string, private log: ProblemLog, private file: string) {}

  /** true when the id is usable (new, positive integer) */
  check(id: unknown, object: string): id is number {
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      this.log.error(this.file, object, `${this.what} id ${JSON.stringify(id)} is not an integer`);
      return false;
    }
    if (id === 0) {
      this.log.error(this.file, object, `${this.what} id 0 is not allowed (ids must be >= 1; COCO tools use 0 for "unmatched")`);
      return false;
    }
    if (id < 0) {
      this.log.error(this.file, object, `${this.what} id ${id} is negative`);
      return false;
    }
    if (this.seen.has(id)) {
      this.log.error(this.file, object, `duplicate ${this.what} id ${id}`);
      return false;
    }
    this.seen.add(id);
    return true;
  }
}

/** Reports an image file that does not exist; true when it does. */
export function checkImageExists(image: string, log: ProblemLog, annotationFile: string, object: string): boolean {
  if (fs.existsSync(image)) return true;
  log.error(annotationFile, object, `points at image ${image}, which does not exist`);
  return false;
}

/** Reads the lines of a split file (VOC ImageSets), reporting a missing or empty file. */
export function readSplitFile(file: string, log: ProblemLog): string[] {
  if (!fs.existsSync(file)) {
    log.error(file, '', 'split file does not exist');
    return [];
  }
  const ids = fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim().split(/\s+/)[0]).filter((l) => l);
  if (ids.length === 0) log.error(file, '', 'split file is empty: it lists no images');
  return ids;
}

/**
 * Decodes an image completely (so a truncated file is caught, not only a bad header) and returns its
 * oriented size. JPEGs are decoded at 1/8 scale by shrink-on-load, which still reads every entropy-coded byte.
 */
export async function decodeCheck(file: string): Promise<{ width: number; height: number }> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(file).metadata();
  } catch (e) {
    throw new DatasetError(`${file}: not a readable image (${(e as Error).message})`);
  }
  if (!meta.width || !meta.height) throw new DatasetError(`${file}: image header has no size`);
  try {
    const w = Math.max(1, Math.floor(meta.width / 8));
    await sharp(file, { failOn: 'truncated' }).resize({ width: w }).raw().toBuffer();
  } catch (e) {
    throw new DatasetError(`${file}: truncated or corrupt image (${(e as Error).message})`);
  }
  const swap = (meta.orientation ?? 1) >= 5;
  return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}

/** Runs fn over items with at most `limit` in flight. */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/**
 * Decodes every image of the dataset: undecodable files are errors; a size different from the annotated one
 * is an error too (the boxes would not fit the pixels).
 */
export async function checkImages(ds: DetectionDataset, log: ProblemLog, concurrency = 4): Promise<number> {
  let bad = 0;
  await forEachLimit(ds.records, concurrency, async (r) => {
    try {
      const s = await decodeCheck(r.file);
      if (s.width !== r.width || s.height !== r.height) {
        log.error(r.file, `image ${r.name ?? r.imageId}`, `is ${s.width}x${s.height} but the annotation says ${r.width}x${r.height}`);
        bad++;
      }
    } catch (e) {
      log.error(r.file, `image ${r.name ?? r.imageId}`, (e as Error).message.replace(`${r.file}: `, ''));
      bad++;
    }
  });
  return bad;
}
