/**
 * The folder a dataset's image paths must stay inside. An annotation may name an image by a relative path
 * (`file_name`, a VOC `<filename>`, a CSV's first column); `../../etc/passwd`, an absolute path elsewhere, or a
 * symbolic link that leads out of the folder is refused, so that reading a dataset never opens a file outside
 * it. Symbolic links are resolved with the file system: a root that is itself a link (a dataset kept on another
 * disk) is followed, and so are links that stay inside the root. Directory look-ups are cached, so checking
 * every image of a COCO-sized dataset costs one `lstat` per image.
 */
import * as fs from 'fs';
import * as path from 'path';

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

export class DatasetRoot {
  private readonly real: string;
  private readonly realDirs = new Map<string, string>();

  constructor(readonly dir: string) {
    this.real = realOrResolved(dir);
  }

  /**
   * `name` resolved against the root (`..` and symbolic links followed), or null when the result lies outside
   * the root. A file that does not exist is judged by its resolved path (its absence is reported elsewhere).
   */
  resolve(name: string): string | null {
    const file = path.resolve(this.dir, name);
    return this.contains(file) ? file : null;
  }

  /** Whether `file` (an absolute or cwd-relative path) lies inside the root once links are followed. */
  contains(file: string): boolean {
    const abs = path.resolve(file);
    let real = path.join(this.realDir(path.dirname(abs)), path.basename(abs));
    try {
      if (fs.lstatSync(real).isSymbolicLink()) real = fs.realpathSync(real);
    } catch {
      /* missing: judged by its path */
    }
    return real === this.real || real.startsWith(this.real.endsWith(path.sep) ? this.real : this.real + path.sep);
  }

  /** The message for a refused path, naming what was asked for. */
  outsideMessage(name: string, what = 'image path'): string {
    return `${what} ${JSON.stringify(name)} leads outside the dataset folder ${this.dir}: refused`;
  }

  private realDir(dir: string): string {
    let r = this.realDirs.get(dir);
    if (r === undefined) {
      r = realOrResolved(dir);
      this.realDirs.set(dir, r);
    }
    return r;
  }
}
