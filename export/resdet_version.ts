/** resdet's version (package.json), written into exported files as their producer's. */
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../run/package_root';

let version: string | null = null;

export function resdetVersion(): string {
  version ??= JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;
  return version;
}
