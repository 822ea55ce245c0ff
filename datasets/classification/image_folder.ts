/**
 * An image-folder classification set, torchvision ImageFolder style: one sub-folder per class (class
 * names = sorted folder names), images decoded lazily with sharp (EXIF orientation applied, grey/RGBA
 * converted to RGB) and resized to a fixed size. If `dir/<split>` exists it is used (with class names
 * the union of dir/train and dir/test sub-folders, so label indices agree across splits); otherwise
 * `dir` itself holds the class folders.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodeRgb, orientedSize } from './decode';
import { checkIndex, checkLimit, ClassificationDataset, DatasetError } from './types';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'];

export interface ImageFolderOptions {
  dir: string;
  split?: 'train' | 'test';
  /** output size: a number for square, or [height, width]; default: the first image's size */
  imageSize?: number | [number, number];
  /** 'cover' (default): keep aspect, resize to cover, centre crop; 'fill': stretch to the size */
  fit?: 'cover' | 'fill';
  /** keep at most this many items, taken round-robin over the classes */
  limit?: number;
}

const isDir = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();

function subdirs(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => !n.startsWith('.') && isDir(path.join(dir, n)));
}

function imagesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => !n.startsWith('.') && IMAGE_EXTENSIONS.includes(path.extname(n).toLowerCase()))
    .sort()
    .map((n) => path.join(dir, n));
}

export interface ImageFolderDataset extends ClassificationDataset {
  /** file of each item */
  files: string[];
  image(i: number): Promise<Uint8Array>;
}

export async function loadImageFolder(opts: ImageFolderOptions): Promise<ImageFolderDataset> {
  if (!isDir(opts.dir)) throw new DatasetError(`image folder: ${opts.dir} is not a directory`);
  const limit = checkLimit(opts.limit, `image folder ${opts.dir}`);
  let root = opts.dir;
  let classNames: string[];
  if (opts.split && isDir(path.join(opts.dir, opts.split))) {
    root = path.join(opts.dir, opts.split);
    const all = new Set<string>();
    for (const s of ['train', 'test']) if (isDir(path.join(opts.dir, s))) subdirs(path.join(opts.dir, s)).forEach((c) => all.add(c));
    classNames = [...all].sort();
  } else {
    classNames = subdirs(root).sort();
  }
  if (classNames.length === 0) throw new DatasetError(`image folder: ${root} has no class sub-folders (expected ${root}/<class>/<image>)`);

  const perClass = classNames.map((c) => (isDir(path.join(root, c)) ? imagesIn(path.join(root, c)) : []));
  const files: string[] = [];
  const labels: number[] = [];
  const take = (c: number, k: number) => {
    files.push(perClass[c][k]);
    labels.push(c);
  };
  if (limit === Infinity) {
    perClass.forEach((list, c) => list.forEach((_, k) => take(c, k))); // class-major, like ImageFolder
  } else {
    const longest = Math.max(...perClass.map((l) => l.length));
    for (let k = 0; k < longest && files.length < limit; k++) {
      for (let c = 0; c < classNames.length && files.length < limit; c++) if (k < perClass[c].length) take(c, k);
    }
  }
  if (files.length === 0) {
    throw new DatasetError(`image folder: no images (${IMAGE_EXTENSIONS.join(' ')}) in the class folders of ${root}`);
  }

  let h: number;
  let w: number;
  if (opts.imageSize === undefined) {
    ({ height: h, width: w } = await orientedSize(files[0]));
  } else {
    [h, w] = typeof opts.imageSize === 'number' ? [opts.imageSize, opts.imageSize] : opts.imageSize;
  }
  if (![h, w].every((v) => Number.isInteger(v) && v > 0)) throw new DatasetError(`image folder: bad image size ${h}x${w}`);
  const fit = opts.fit ?? 'cover';

  const ds: ImageFolderDataset = {
    name: `folder:${root}`,
    classNames,
    size: files.length,
    imageShape: [h, w, 3],
    files,
    async image(i) {
      checkIndex(ds, i);
      const img = await decodeRgb(files[i], (s) => s.resize({ width: w, height: h, fit, position: 'centre' }));
      return img.data;
    },
    label(i) {
      checkIndex(ds, i);
      return labels[i];
    },
  };
  return ds;
}
