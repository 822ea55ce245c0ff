/**
 * YOLO txt labels: `images/[<split>/]name.jpg` with `labels/[<split>/]name.txt`, one object per line
 * `class cx cy w h` (class index into the class list; centre and size relative to the image, in [0, 1]).
 * The class list is `classes.txt` (or `obj.names`, one name per line) or the `names:` of a `data.yaml`.
 * An image without a label file has no objects; a label file without an image is an error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { DatasetError } from '../classification/types';
import { classMapFromNames, DatasetRecord, DetectionDataset, makeRecord, ObjectDraft } from './record';
import { readImageSizes } from './image_size';
import { DatasetRoot } from './dataset_root';
import { checkBox, parseCoord, ProblemLog, unknownClassMessage } from './validate';

export const YOLO_IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff'];

export interface YoloOptions {
  root: string;
  /** sub-folder of images/ and labels/ (e.g. train, val); default: none, or the only one there is */
  split?: string;
  classes?: string[];
}

/** The class names declared in a YOLO dataset folder, or undefined. */
export function yoloClassNames(root: string): string[] | undefined {
  for (const n of ['classes.txt', 'obj.names']) {
    const f = path.join(root, n);
    if (fs.existsSync(f)) return fs.readFileSync(f, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
  }
  for (const n of ['data.yaml', 'dataset.yaml']) {
    const f = path.join(root, n);
    if (!fs.existsSync(f)) continue;
    let names: unknown;
    try {
      names = (parseYaml(fs.readFileSync(f, 'utf8')) as { names?: unknown })?.names;
    } catch (e) {
      throw new DatasetError(`YOLO: ${f}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (Array.isArray(names)) return names.map(String);
    if (names && typeof names === 'object') {
      const m = names as Record<string, unknown>;
      return Object.keys(m).sort((a, b) => Number(a) - Number(b)).map((k) => String(m[k]));
    }
  }
  return undefined;
}

const isDir = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();

function splitDirs(root: string, split?: string): { images: string; labels: string } {
  const images = path.join(root, 'images');
  const labels = path.join(root, 'labels');
  if (!isDir(images)) throw new DatasetError(`YOLO: ${root} has no images/ folder`);
  if (split) {
    if (!isDir(path.join(images, split))) throw new DatasetError(`YOLO: no images/${split} folder in ${root}`);
    return { images: path.join(images, split), labels: path.join(labels, split) };
  }
  const subs = fs.readdirSync(images).filter((n) => isDir(path.join(images, n)));
  const direct = fs.readdirSync(images).some((n) => YOLO_IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase()));
  if (!direct && subs.length === 1) return splitDirs(root, subs[0]);
  if (!direct && subs.length > 1) throw new DatasetError(`YOLO: ${images} has several splits (${subs.join(', ')}): name one with --split`);
  return { images, labels };
}

export async function loadYolo(opts: YoloOptions): Promise<DetectionDataset> {
  const { images, labels } = splitDirs(opts.root, opts.split);
  const classNames = opts.classes ?? yoloClassNames(opts.root);
  if (!classNames) throw new DatasetError(`YOLO: ${opts.root} has no class list (classes.txt, obj.names or data.yaml with names:)`);
  const log = new ProblemLog();
  const stems = new Map<string, string>();
  const root = new DatasetRoot(opts.root);
  for (const n of fs.readdirSync(images).sort()) {
    if (!YOLO_IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase())) continue;
    const image = root.resolve(path.join(images, n));
    if (image) stems.set(path.parse(n).name, image);
    else log.error(path.join(images, n), '', root.outsideMessage(n));
  }
  if (isDir(labels)) {
    for (const n of fs.readdirSync(labels).sort()) {
      if (n.endsWith('.txt') && n !== 'classes.txt' && !stems.has(n.slice(0, -4))) {
        log.error(path.join(labels, n), '', `label file has no image (no ${n.slice(0, -4)}.* in ${images})`);
      }
    }
  }
  const files = [...stems.values()];
  if (files.length === 0) log.error(images, '', 'no images');
  const sizes = await readImageSizes(files, log, () => 'image');
  const records: DatasetRecord[] = [];
  for (const [stem, image] of stems) {
    const size = sizes.get(image);
    if (!size) continue;
    const labelFile = path.join(labels, `${stem}.txt`);
    const objects: ObjectDraft[] = [];
    if (fs.existsSync(labelFile)) {
      fs.readFileSync(labelFile, 'utf8').split(/\r?\n/).forEach((text, i) => {
        if (!text.trim()) return;
        const what = `line ${i + 1}`;
        const f = text.trim().split(/\s+/);
        if (f.length !== 5) return log.error(labelFile, what, `has ${f.length} fields, expected 5: class cx cy w h`);
        const v = f.map(parseCoord);
        if (v.some((x) => x === null)) return log.error(labelFile, what, `non-numeric values: ${text.trim()}`);
        const [cls, cx, cy, w, h] = v as number[];
        if (!Number.isInteger(cls) || cls < 0 || cls >= classNames.length) {
          return log.error(labelFile, what, unknownClassMessage(f[0], classNames.map((n, k) => `${k}=${n}`)));
        }
        const box = checkBox([(cx - w / 2) * size.width, (cy - h / 2) * size.height, (cx + w / 2) * size.width, (cy + h / 2) * size.height],
          size.width, size.height, log, labelFile, `${what} (${classNames[cls]})`, `cx cy w h = ${f.slice(1).join(' ')}`);
        if (box) objects.push({ box, label: cls });
      });
    }
    records.push(makeRecord({ imageId: records.length + 1, file: image, ...size, name: path.basename(image) }, objects));
  }
  return { name: `yolo:${path.basename(path.resolve(opts.root))}${opts.split ? '/' + opts.split : ''}`, format: 'yolo', classes: classMapFromNames(classNames), records, problems: log.problems };
}

/** One record's YOLO label text (class cx cy w h, relative, 6 decimals). */
export function yoloLabels(r: DatasetRecord): string {
  const lines: string[] = [];
  for (let i = 0; i < r.labels.length; i++) {
    const [x1, y1, x2, y2] = r.boxes.subarray(4 * i, 4 * i + 4);
    const f = (v: number) => Number(v.toFixed(6)).toString();
    lines.push(`${r.labels[i]} ${f((x1 + x2) / 2 / r.width)} ${f((y1 + y2) / 2 / r.height)} ${f((x2 - x1) / r.width)} ${f((y2 - y1) / r.height)}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
