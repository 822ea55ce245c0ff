/**
 * Jest global setup: compiles the sources into dist/ once before any test runs, so that tests running the CLI
 * (`node dist/bin/resdet.js`) never run a build older than the sources. A type error fails the whole run here,
 * with tsc's message, instead of surfacing as confusing CLI failures later.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

export default function buildDist(): void {
  const root = path.resolve(__dirname, '..', '..');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', root], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`tests need a fresh build, and tsc -p . failed:\n${r.stdout}${r.stderr}`);
}
