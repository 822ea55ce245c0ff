/** `resdet eval coco` and `resdet eval voc` through the built CLI: output, JSON files, exit codes, messages. */
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runCli } from '../helpers/cli';

// dist/ may predate the eval command: build it then (tsc emits even when other files have type errors)
if (!fs.existsSync(path.join(ROOT, 'dist', 'bin', 'commands', 'eval.js'))) {
  try {
    execSync('npx tsc -p .', { cwd: ROOT, stdio: 'ignore' });
  } catch {
    /* errors elsewhere do not stop the emit */
  }
}

const COCO = path.join(__dirname, '..', 'fixtures', 'coco-eval');
const VOC = path.join(__dirname, '..', 'fixtures', 'voc-eval');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-eval-cli-'));

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
