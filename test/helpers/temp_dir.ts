/**
 * Temporary folders for tests: `tempDir('coco')` makes /tmp/resdet-coco-XXXXXX; every folder made through it
 * is removed after the test file's last test (the afterAll is registered when a test file imports this).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `resdet-${prefix}-`));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
