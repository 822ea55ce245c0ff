import * as fs from 'fs';
import * as path from 'path';

/** The checkout's or package's root (the folder with package.json), from the compiled dist/ or the sources. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
