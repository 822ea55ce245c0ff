/** `resdet eval coco|voc --analysis FILE --plots DIR` through the built CLI. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli';

const COCO = path.join(__dirname, '..', 'fixtures', 'coco-eval');
const VOC = path.join(__dirname, '..', 'fixtures', 'voc-eval');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-analysis-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const isPng = async (file: string) => {
  const m = await sharp(file).metadata();
  return [m.format, m.width! > 100, m.height! > 100];
};

describe('resdet eval coco --analysis --plots', () => {
  const c = path.join(COCO, 'missing-categories');
  const expected = JSON.parse(fs.readFileSync(path.join(c, 'expected.json'), 'utf8'));
  const gt = JSON.parse(fs.readFileSync(path.join(c, 'gt.json'), 'utf8'));

  test('JSON with PR curves equal to pycocotools, AP by size, confusion, errors, unknown categories listed; PNG plots', async () => {
    const json = path.join(tmp, 'a.json');
    const plots = path.join(tmp, 'plots');
    const r = runCli(['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', path.join(c, 'dt.json'), '--analysis', json, '--plots', plots, '--score-threshold', '0.3']);
    expect(r.stderr).toMatch(/6 detection\(s\) of categories not in the ground truth were ignored .*99: 6/);
    expect(r.code).toBe(0);
    const cats: { id: number; name: string }[] = gt.categories.slice().sort((a: { id: number }, b: { id: number }) => a.id - b.id);
    expect(r.stdout).toContain(`analysis: ${json}\n`);
    expect(r.stdout).toContain(`plots: ${cats.length + 1} PNG file(s) in ${plots}\n`);
    const a = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(Object.keys(a)).toEqual(['stats', 'prCurves', 'apBySize', 'confusion', 'errors', 'unknownCategories']);
    expect(a.stats).toEqual(expected.stats);
    expect(a.unknownCategories).toEqual({ '99': 6 });
    a.prCurves.classes.forEach((k: { curves: { precision: number[] }[] }, i: number) => {
      expect(k.curves[0].precision).toEqual(expected.per_category[i].precision_per_iou[0]);
      expect(k.curves[1].precision).toEqual(expected.per_category[i].precision_per_iou[5]);
    });
    expect(a.apBySize.map((s: { small: number }) => s.small)).toEqual(expected.per_category.map((p: { ap_small: number }) => p.ap_small));
    expect(a.confusion.scoreThreshold).toBe(0.3);
    expect(a.confusion.labels).toEqual([...cats.map((k) => k.name), 'background']);
    // every ground-truth box is counted once in its column, every kept detection once in its row
    const K = cats.length;
    const colSums = a.confusion.labels.slice(0, K).map((_: string, j: number) => a.confusion.matrix.reduce((s: number, row: number[]) => s + row[j], 0));
    const gtCounts = cats.map((k) => gt.annotations.filter((x: { category_id: number; iscrowd?: number }) => x.category_id === k.id && !x.iscrowd).length);
    expect(colSums).toEqual(gtCounts);
    expect(Object.keys(a.errors.errors)).toEqual(['classification', 'localisation', 'both', 'duplicate', 'background', 'missed']);
    expect(a.errors.ap50).toBe(expected.stats[1]);
    const files = fs.readdirSync(plots).sort();
    expect(files).toEqual([...cats.map((k) => `pr_${k.id}_${k.name}.png`), 'confusion.png'].sort());
    for (const f of files) expect(await isPng(path.join(plots, f))).toEqual(['png', true, true]);
  });

  test('--analysis with a subset flag: one line, exit 2, nothing written', () => {
    const json = path.join(tmp, 'sub.json');
    const r = runCli(['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', path.join(c, 'dt.json'), '--analysis', json, '--cat-ids', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('resdet: error: --analysis and --plots cover all images and categories with maxDets 1,10,100: leave out --img-ids, --cat-ids and --max-dets\n');
    expect(fs.existsSync(json)).toBe(false);
  });

  test('a bad --score-threshold is a usage error', () => {
    const r = runCli(['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', path.join(c, 'dt.json'), '--plots', tmp, '--score-threshold', 'high']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--score-threshold must be a number, got 'high'/);
  });
});

test('resdet eval voc --analysis --plots: devkit curves per class, AP as evaluateVoc', async () => {
  const src = path.join(VOC, 'handmade-basic');
  const expected = JSON.parse(fs.readFileSync(path.join(src, 'expected.json'), 'utf8'));
  const json = path.join(tmp, 'voc.json');
  const plots = path.join(tmp, 'voc-plots');
  const r = runCli(['eval', 'voc', '--root', src, '--results', path.join(src, 'results'), '--metric', '07', '--classes', expected.classes.join(','), '--analysis', json, '--plots', plots]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const a = JSON.parse(fs.readFileSync(json, 'utf8'));
  expect(a.metric).toBe('07');
  expect(a.prCurves.map((c: { className: string }) => c.className)).toEqual(expected.classes);
  expect(Object.fromEntries(a.prCurves.map((c: { className: string; ap: number }) => [c.className, c.ap]))).toEqual(expected.use_07_metric_true.ap);
  const dog = a.prCurves.find((c: { className: string }) => c.className === 'dog');
  expect(dog.recall).toHaveLength(5); // one point per detection
  expect(dog.recall[4]).toBe(1);
  expect(dog.precision[4]).toBe(0.4); // the devkit's final recall and precision of dog
  expect(fs.readdirSync(plots).sort()).toEqual(expected.classes.map((c: string) => `pr_${c}.png`).sort());
});

describe('output paths that cannot be written: one line, exit 2, checked before the evaluation', () => {
  const c = path.join(COCO, 'basic-handmade');
  const base = ['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', path.join(c, 'dt.json')];
  const aFile = path.join(tmp, 'a-file');
  beforeAll(() => fs.writeFileSync(aFile, 'keep me'));

  test.each([
    [['--json', tmp], `--json ${tmp}: is a folder; give a file name`],
    [['--analysis', tmp], `--analysis ${tmp}: is a folder; give a file name`],
    [['--analysis', path.join(aFile, 'x.json')], `--analysis ${path.join(aFile, 'x.json')}: ${aFile} is a file, not a folder`],
    [['--plots', aFile], `--plots ${aFile}: ${aFile} is a file, not a folder`],
    [['--plots', path.join(aFile, 'sub')], `--plots ${path.join(aFile, 'sub')}: ${aFile} is a file, not a folder`],
  ])('%j', (flags, message) => {
    const r = runCli([...base, ...flags]);
    expect([r.code, r.stderr, r.stdout]).toEqual([2, `resdet: error: ${message}\n`, '']);
    expect(fs.readFileSync(aFile, 'utf8')).toBe('keep me');
  });

  test('the same for eval voc', () => {
    const src = path.join(VOC, 'handmade-basic');
    const r = runCli(['eval', 'voc', '--root', src, '--results', path.join(src, 'results'), '--plots', aFile]);
    expect([r.code, r.stderr]).toEqual([2, `resdet: error: --plots ${aFile}: ${aFile} is a file, not a folder\n`]);
  });
});
