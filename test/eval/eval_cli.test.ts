/** `resdet eval coco` and `resdet eval voc` through the built CLI: output, JSON files, exit codes, messages. */
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';

const COCO = path.join(__dirname, '..', 'fixtures', 'coco-eval');
const VOC = path.join(__dirname, '..', 'fixtures', 'voc-eval');
const tmp = tempDir('eval-cli');

describe('resdet eval coco', () => {
  test('prints the 12 pycocotools lines and a per-category table; --json has the stats', () => {
    const json = path.join(tmp, 'coco.json');
    const c = path.join(COCO, 'missing-categories');
    const r = runCli(['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', path.join(c, 'dt.json'), '--json', json]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.141');
    expect(lines[1]).toBe(' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.251');
    expect(lines[11]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.194');
    expect(r.stdout).toMatch(/ {4}7 {2}cat7 +- +- +- +- +- +- +- +0 +8/);
    expect(r.stderr).toMatch(/6 detection\(s\) of categories not in the ground truth were ignored .*99: 6/);
    const out = JSON.parse(fs.readFileSync(json, 'utf8'));
    const expected = JSON.parse(fs.readFileSync(path.join(c, 'expected.json'), 'utf8'));
    expect(Object.keys(out)).toEqual(['stats', 'perCategory']);
    expect(out.stats).toEqual(expected.stats);
    expect(Object.keys(out.perCategory[0])).toEqual(['categoryId', 'name', 'ap', 'ap50', 'ap75', 'apSmall', 'apMedium', 'apLarge', 'recall']);
    expect(out.perCategory.map((p: { ap: number }) => p.ap)).toEqual(expected.per_category.map((p: { ap: number }) => p.ap));
    expect(out.perCategory[3]).toMatchObject({ categoryId: 7, name: 'cat7', ap: -1, recall: -1 });
  });

  test('subsets and maxDets from flags', () => {
    const c = path.join(COCO, 'random-mixed');
    const json = path.join(tmp, 'sub.json');
    const r = runCli(['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', path.join(c, 'dt.json'), '--cat-ids', '1,3', '--max-dets', '1,5,20', '--json', json]);
    expect(r.code).toBe(0);
    const out = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(out.perCategory.map((p: { categoryId: number }) => p.categoryId)).toEqual([1, 3]);
    expect(out.stats[0]).toBe(-1);
    expect(r.stdout).toMatch(/maxDets= 20 \] = /);
  });

  test('bad input: exit code 2 and one message', () => {
    const c = path.join(COCO, 'basic-handmade');
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '[{"image_id": 1,,}]');
    let r = runCli(['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`resdet: error: ${bad}: invalid JSON at line 1, column 17 (position 16): unexpected ",}]"\n`);
    r = runCli(['eval', 'coco', '--gt', path.join(tmp, 'nope.json'), '--results', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.json: cannot read: ENOENT/);
    fs.writeFileSync(bad, JSON.stringify([{ image_id: 424242, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }]));
    r = runCli(['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/1 detection\(s\) name images that are not in the ground truth \(first: \[0\] image_id 424242\)/);
    r = runCli(['eval', 'coco', '--gt', path.join(c, 'gt.json'), '--results', path.join(c, 'dt.json'), '--img-ids', 'a,b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'a,b' is invalid. --img-ids must be comma-separated numbers/);
  });
});

describe('resdet eval voc', () => {
  const src = path.join(VOC, 'handmade-basic');
  const expected = JSON.parse(fs.readFileSync(path.join(src, 'expected.json'), 'utf8'));
  const classes = expected.classes.join(',');

  test('devkit results folder: per-class table, mAP, --json', () => {
    const json = path.join(tmp, 'voc.json');
    const r = runCli(['eval', 'voc', '--root', src, '--imageset', 'test', '--results', path.join(src, 'results'), '--metric', '07', '--classes', classes, '--json', json]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dog +0\.7727 +2 +0 +5$/m);
    expect(r.stdout).toMatch(/^mAP +0\.5492$/m);
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual({ metric: '07', ...expected.use_07_metric_true });
  });

  test('a VOC2007 folder defaults to the 07 metric, others to area; COCO-style JSON results', () => {
    const voc07 = path.join(tmp, 'VOCdevkit', 'VOC2007');
    fs.cpSync(src, voc07, { recursive: true });
    const dets: { image_id: string; category: string; bbox: number[]; score: number }[] = [];
    for (const c of expected.classes) {
      for (const line of fs.readFileSync(path.join(src, 'results', `comp4_det_test_${c}.txt`), 'utf8').split('\n').filter(Boolean)) {
        const [id, s, x1, y1, x2, y2] = line.split(' ');
        dets.push({ image_id: id, category: c, bbox: [+x1 - 1, +y1 - 1, +x2 - +x1 + 1, +y2 - +y1 + 1], score: +s });
      }
    }
    const resultsJson = path.join(tmp, 'voc_dets.json');
    fs.writeFileSync(resultsJson, JSON.stringify(dets));
    const json = path.join(tmp, 'voc07.json');
    let r = runCli(['eval', 'voc', '--root', voc07, '--results', resultsJson, '--classes', classes, '--json', json]);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual({ metric: '07', ...expected.use_07_metric_true });
    r = runCli(['eval', 'voc', '--root', src, '--results', resultsJson, '--classes', classes, '--json', json]);
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual({ metric: 'area', ...expected.use_07_metric_false });
  });

  test('bad input: exit code 2 with file and line', () => {
    const dir = path.join(tmp, 'bad_results');
    fs.cpSync(path.join(src, 'results'), dir, { recursive: true });
    fs.appendFileSync(path.join(dir, 'comp4_det_test_dog.txt'), '000005 0.5 1 2 3\n');
    let r = runCli(['eval', 'voc', '--root', src, '--results', dir, '--classes', classes]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`resdet: error: ${path.join(dir, 'comp4_det_test_dog.txt')}:6: expected 6 columns (image_id score xmin ymin xmax ymax), got 5\n`);
    r = runCli(['eval', 'voc', '--root', src, '--results', dir, '--metric', '12']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument '12' is invalid. use '07' \(VOC2007 11-point\) or 'area'/);
    r = runCli(['eval', 'voc', '--root', src, '--results', path.join(src, 'results')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/comp4_det_test_aeroplane\.txt: no results file for class 'aeroplane'/);
  });
});
