/**
 * Hostile or pathological input a user can hand resdet — an XML DOCTYPE with an external entity, a YAML alias
 * bomb, a --set value that is not YAML, a 20,000-level nested JSON — ends with one message naming the file or
 * flag and exit 2, never "internal error" with a stack trace.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, ROOT } from '../helpers/cli';
import { writeImage } from '../datasets/detection/fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-hostile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

test('a VOC annotation with an external entity: refused without reading it', async () => {
  const year = path.join(tmp, 'voc', 'VOC2007');
  for (const d of ['Annotations', 'JPEGImages', 'ImageSets/Main']) fs.mkdirSync(path.join(year, d), { recursive: true });
  fs.writeFileSync(path.join(year, 'ImageSets', 'Main', 'test.txt'), '000001\n');
  const xml = path.join(year, 'Annotations', '000001.xml');
  fs.writeFileSync(xml, '<?xml version="1.0"?>\n<!DOCTYPE annotation [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n' +
    '<annotation><size><width>10</width><height>10</height></size><object><name>&xxe;</name><difficult>0</difficult>' +
    '<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>\n');
  await writeImage(path.join(year, 'JPEGImages', '000001.jpg'), 10, 10);
  const results = path.join(tmp, 'voc-results');
  fs.mkdirSync(results);
  fs.writeFileSync(path.join(results, 'comp4_det_test_dog.txt'), '000001 0.9 1 1 5 5\n');
  expectOneLineError(runCli(['eval', 'voc', '--root', year, '--imageset', 'test', '--results', results, '--classes', 'dog']), /000001\.xml: unsupported XML: External entities/);
  const check = runCli(['data', 'check', year, '--split', 'test']);
  expect(check.stdout).toMatch(/000001\.xml: unsupported XML: External entities are not supported/);
  expect(check.stderr).not.toMatch(/internal error/);
});

test('a YAML alias bomb and a --set value that is not YAML', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i - 1]}`).join(', ')}]`);
  const bomb = path.join(tmp, 'bomb.yaml');
  fs.writeFileSync(bomb, lines.join('\n') + '\n');
  expectOneLineError(runCli(['train', bomb, '--out', path.join(tmp, 'r1')]), /bomb\.yaml: cannot read config: Excessive alias count/);
  expectOneLineError(runCli(['train', path.join(ROOT, 'configs', 'demo.yaml'), '--set', 'solver.lr=[a', '--out', path.join(tmp, 'r2')]), /--set solver\.lr: the value is not valid YAML/);
});

test('a 20,000-level nested JSON as COCO results', () => {
  const deep = path.join(tmp, 'deep.json');
  fs.writeFileSync(deep, '['.repeat(20000) + ']'.repeat(20000));
  const gt = path.join(ROOT, 'test', 'fixtures', 'coco-eval', 'basic-handmade', 'gt.json');
  expectOneLineError(runCli(['eval', 'coco', '--gt', gt, '--results', deep]), /deep\.json: \[0\]: expected an object, got a list of 1/);
});

test('eval model: a --json that names a folder, an --out under a file: refused before any work', () => {
  // before: the evaluation ran, then atomicWrite failed on the folder with an internal error and a stack trace
  expectOneLineError(runCli(['eval', 'model', '--weights', path.join(tmp, 'no-run'), '--json', tmp]), /--json .*: is a folder; give a file name/);
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, 'x');
  expectOneLineError(runCli(['eval', 'model', '--weights', path.join(tmp, 'no-run'), '--out', path.join(file, 'eval')]), /--out .*a-file is a file, not a folder/);
});

test('a reader that goes away (resdet … | head -1) ends the command quietly', async () => {
  const { spawn } = await import('child_process');
  const runs = await Promise.all([0, 1, 2].map(() => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'dist', 'bin', 'resdet.js'), 'doctor'], { cwd: ROOT });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdout.once('data', () => p.stdout.destroy()); // like head -1: read once, then close the pipe
    p.on('close', (code) => resolve({ code, stderr }));
  })));
  for (const r of runs) {
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    expect(r.code).toBe(0);
  }
});
