/** Names a dataset may hold become safe, reversible parts of file names (run/safe_file_name.ts). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fromSafeFileName, MAX_CHARS, safeFileName } from '../../run/safe_file_name';
import { readVocResultsDir, resultsFileName, writeVocResults } from '../../eval/voc/voc_results_files';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-safe-name-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NAMES = ['T-shirt/top', '../x', '..', '.', '.hidden', 'a b', 'a%2Fb', 'Größe 😀', 'back\\slash', 'con:1', 'x'.repeat(300), 'é'.repeat(200)];

test('plain names stay as they are, others are %-escaped', () => {
  expect(safeFileName('pottedplant')).toBe('pottedplant');
  expect(safeFileName('T-shirt/top')).toBe('T-shirt%2Ftop');
  expect(safeFileName('../x')).toBe('%2E.%2Fx');
  expect(safeFileName('a b')).toBe('a%20b');
  expect(safeFileName('a%2Fb')).toBe('a%252Fb');
  expect(safeFileName('é')).toBe('%C3%A9');
});

test('every name is one safe path component, names stay distinct, short ones decode back', () => {
  const escaped = NAMES.map(safeFileName);
  expect(new Set(escaped).size).toBe(NAMES.length);
  escaped.forEach((e, i) => {
    expect(e).toMatch(/^[A-Za-z0-9_%~-][A-Za-z0-9_.%~-]*$/);
    expect(e.length).toBeLessThanOrEqual(MAX_CHARS);
    if (!e.includes('~')) expect(fromSafeFileName(e)).toBe(NAMES[i]);
  });
  expect(safeFileName('x'.repeat(300))).toMatch(/~[0-9a-f]{16}$/);
  expect(safeFileName('x'.repeat(300))).not.toBe(safeFileName('x'.repeat(301)));
});

test('devkit results files of such classes are written inside the folder and read back', () => {
  const out = path.join(tmp, 'voc_results');
  const dets = NAMES.map((c, i) => ({ imageId: `img${i}`, className: c, score: 0.5, box: [i, 2, i + 10, 12] }));
  const files = writeVocResults(out, 'val', dets, NAMES);
  expect(files.map((f) => path.dirname(f))).toEqual(NAMES.map(() => out));
  expect(fs.readdirSync(out).sort()).toEqual(NAMES.map((c) => resultsFileName('val', c)).sort());
  expect(fs.existsSync(path.join(out, 'comp4_det_val_T-shirt%2Ftop.txt'))).toBe(true);
  const back = readVocResultsDir(out, 'val', NAMES);
  expect(back.map((d) => [d.className, d.imageId, d.box])).toEqual(NAMES.map((c, i) => [c, `img${i}`, [i + 1, 3, i + 10, 12]]));
});
