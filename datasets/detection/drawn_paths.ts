/**
 * Where the drawn copies of images go (`resdet predict`, `resdet data show`): under the output folder at each
 * image's path relative to the images' common folder, as .jpg — photos/a/x.jpg and photos/b/x.jpg become
 * OUT/a/x.jpg and OUT/b/x.jpg, never one file. Names are unique (x.png and x.jpg side by side: x.jpg and
 * x-2.jpg), and drawing into a folder that holds input images is refused before anything is written (it
 * would overwrite them, or the user's other photos beside them: x.jpg next to an input x.png).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../classification/types';

/** The deepest folder holding every file. */
export function commonFolder(files: string[]): string {
  const parts = files.map((f) => path.dirname(path.resolve(f)).split(path.sep));
  const first = parts[0] ?? [];
  let n = 0;
  while (n < first.length && parts.every((p) => p[n] === first[n])) n++;
  return first.slice(0, n).join(path.sep) || path.sep;
}

function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The drawn path of each file, in order; a DatasetError when one would go into a folder holding input images. */
export function drawnPaths(files: string[], outDir: string): string[] {
  const root = commonFolder(files);
  const taken = new Set<string>();
  const out = files.map((f) => {
    const rel = path.relative(root, path.resolve(f));
    const stem = rel.slice(0, rel.length - path.extname(rel).length);
    let name = `${stem}.jpg`;
    for (let k = 2; taken.has(name); k++) name = `${stem}-${k}.jpg`;
    taken.add(name);
    return path.join(outDir, name);
  });
  const inputDirs = new Set(files.map((f) => realPath(path.dirname(path.resolve(f)))));
  for (const o of out) {
    const dir = realPath(path.dirname(path.resolve(o)));
    if (inputDirs.has(dir)) throw new DatasetError(`${outDir}: drawn images would be written among the input images in ${dir}; choose another output folder`);
  }
  return out;
}
