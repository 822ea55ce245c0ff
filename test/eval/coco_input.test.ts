/** COCO inputs as users have them: the checks on bad input, the options, and the fast results reader. */
import * as fs from 'fs';
import * as path from 'path';
import { evaluateCoco } from '../../eval/coco/coco_eval';
import { loadCocoDetections, loadCocoGroundTruth, readCocoDetections, readCocoGroundTruth } from '../../eval/coco/coco_load';
import { readJsonNumber } from '../../eval/json_number';
import { pyFixed } from '../../eval/py_format';
import { summaryLines } from '../../eval/coco/coco_report';
import { CocoDatasetJson, CocoDetectionJson } from '../../eval/coco/coco_types';
import { tempDir } from '../helpers/temp_dir';

const DIR = path.join(__dirname, '..', 'fixtures', 'coco-eval');
const read = (c: string, f: string) => JSON.parse(fs.readFileSync(path.join(DIR, c, f), 'utf8'));
const tmp = tempDir('coco');
const write = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

const gt: CocoDatasetJson = read('random-mixed', 'gt.json');
const dt: CocoDetectionJson[] = read('random-mixed', 'dt.json');

describe('bad input ends in one message naming the place', () => {
  test('malformed JSON gives line, column and position', () => {
    const f = write('bad_gt.json', '{"images": [\n  {"id": 1},\n  {"id": 2},\n]}');
    expect(() => readCocoGroundTruth(f)).toThrow(/bad_gt\.json: invalid JSON at line 4, column 1 \(position 39\)/);
    const r = write('bad_dt.json', '[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5},\n x]');
    const g = loadCocoGroundTruth(gt);
    expect(() => readCocoDetections(r, g)).toThrow(/bad_dt\.json: invalid JSON at line 2, column 2 \(position 73\): unexpected "x]"/);
    const cut = write('cut.json', '[{"image_id": 1, "category_id"');
    expect(() => readCocoDetections(cut, g)).toThrow(/cut\.json: invalid JSON at line 1, column 31 \(position 30\): unexpected end of input/);
  });

  test('NaN written by Python is named as such', () => {
    const imageId = gt.images[0].id;
    const text = `[{"image_id": ${imageId}, "category_id": 1, "bbox": [1, 2, 3, 4], "score": NaN}]`;
    const f = write('nan.json', text);
    const at = text.indexOf('NaN');
    expect(() => readCocoDetections(f, loadCocoGroundTruth(gt))).toThrow(
      `nan.json: invalid JSON at line 1, column ${at + 1} (position ${at}): unexpected "NaN}]" (NaN and Infinity are not JSON numbers`,
    );
  });

  test('missing fields', () => {
    const g = clone(gt);
    delete (g.annotations[3] as Partial<(typeof g.annotations)[0]>).area;
    expect(() => loadCocoGroundTruth(g, 'gt.json')).toThrow('gt.json: annotations[3]: missing field "area"');
    const d = clone(dt);
    delete (d[5] as Partial<CocoDetectionJson>).score;
    expect(() => evaluateCoco(gt, d)).toThrow('results: [5]: missing field "score"');
    expect(() => loadCocoGroundTruth({ images: [], annotations: [] }, 'x.json')).toThrow('x.json: missing field "categories"');
    expect(() => loadCocoGroundTruth({ ...clone(gt), images: {} }, 'x.json')).toThrow('x.json: "images" must be a list');
  });

  test('a bbox with negative width or height', () => {
    const g = clone(gt);
    g.annotations[2].bbox = [10, 10, -5, 20];
    expect(() => loadCocoGroundTruth(g, 'gt.json')).toThrow('gt.json: annotations[2]: bbox [x, y, w, h] has negative width ([10,10,-5,20])');
    const d = clone(dt);
    d[7].bbox = [10, 10, 5, -1];
    expect(() => evaluateCoco(gt, d)).toThrow('results: [7]: bbox [x, y, w, h] has negative height ([10,10,5,-1])');
    d[7].bbox = [10, 10, 5];
    expect(() => evaluateCoco(gt, d)).toThrow('results: [7]: "bbox" must be 4 finite numbers, got [10,10,5]');
  });

  test('NaN scores', () => {
    const d = clone(dt);
    d[11].score = NaN;
    expect(() => evaluateCoco(gt, d)).toThrow('results: [11]: "score" must be a finite number, got NaN');
  });

  test('annotation id 0', () => {
    const g = clone(gt);
    g.annotations[0].id = 0;
    expect(() => evaluateCoco(g, dt)).toThrow(/annotations\[0\]: annotation id must be ≥ 1 \(0 means "unmatched"/);
  });

  test('results naming images that are not in the ground truth', () => {
    const d = clone(dt);
    d[4].image_id = 987654321;
    d[9].image_id = 987654321;
    expect(() => evaluateCoco(gt, d)).toThrow(
      'results: 2 detection(s) name images that are not in the ground truth (first: [4] image_id 987654321); results must correspond to the ground-truth images, as pycocotools requires',
    );
  });

  test('subsets naming ids that are not in the ground truth', () => {
    expect(() => evaluateCoco(gt, dt, { imgIds: [123456789] })).toThrow('image id 123456789 is not in the ground truth');
    expect(() => evaluateCoco(gt, dt, { catIds: [555] })).toThrow('category id 555 is not in the ground truth');
    expect(() => evaluateCoco(gt, dt, { maxDets: [1, 10] })).toThrow(/maxDets must be three positive integers/);
  });
});

describe('what pycocotools tolerates', () => {
  test('detections of unknown categories are counted, reported and ignored', () => {
    const plain = evaluateCoco(read('missing-categories', 'gt.json'), read('missing-categories', 'dt.json'));
    expect(plain.unknownCategories).toEqual({ '99': 6 });
    const without = (read('missing-categories', 'dt.json') as CocoDetectionJson[]).filter((d) => d.category_id !== 99);
    expect(evaluateCoco(read('missing-categories', 'gt.json'), without).stats).toEqual(plain.stats);
  });

  test('a category without ground truth is -1 and leaves the means', () => {
    const ev = evaluateCoco(read('missing-categories', 'gt.json'), read('missing-categories', 'dt.json'));
    const c7 = ev.perCategory!.find((c) => c.categoryId === 7)!;
    expect([c7.ap, c7.ap50, c7.recall, c7.numDetections]).toEqual([-1, -1, -1, 8]);
    const others = evaluateCoco(read('missing-categories', 'gt.json'), read('missing-categories', 'dt.json'), { catIds: [1, 2, 4] });
    expect(others.stats).toEqual(ev.stats);
  });

  test('an empty results list scores 0 where there is ground truth', () => {
    const ev = evaluateCoco(gt, []);
    expect(ev.stats).toEqual(Array(12).fill(0));
  });

  test('segmentation and other extra fields are ignored', () => {
    const g = clone(gt);
    g.annotations.forEach((a) => (a.segmentation = [[0, 0, 1, 0, 1, 1]]));
    (g as unknown as Record<string, unknown>).licenses = [{ id: 1 }];
    expect(evaluateCoco(g, dt).stats).toEqual(evaluateCoco(gt, dt).stats);
  });
});

describe('options', () => {
  const full = evaluateCoco(gt, dt);

  test('an image subset equals evaluating only those images', () => {
    const ids = gt.images.map((im) => im.id).filter((_, i) => i % 3 === 0);
    const keep = new Set(ids);
    const g = { ...gt, images: gt.images.filter((im) => keep.has(im.id)), annotations: gt.annotations.filter((a) => keep.has(a.image_id)) };
    const sub = evaluateCoco(gt, dt, { imgIds: ids });
    expect(sub.params.imgIds).toEqual(ids.slice().sort((a, b) => a - b));
    expect(sub.stats).toEqual(evaluateCoco(g, dt.filter((d) => keep.has(d.image_id))).stats);
    expect(sub.stats).not.toEqual(full.stats);
  });

  test('a category subset keeps the per-category figures and averages over the subset', () => {
    const catIds = full.perCategory!.slice(0, 2).map((c) => c.categoryId);
    const sub = evaluateCoco(gt, dt, { catIds });
    expect(sub.perCategory).toEqual(full.perCategory!.slice(0, 2));
    expect(sub.stats[1]).toBeCloseTo((sub.perCategory![0].ap50 + sub.perCategory![1].ap50) / 2, 12);
  });

  test('maxDets: stat 0 stays at 100 (pycocotools quirk), the others follow', () => {
    expect(evaluateCoco(gt, dt, { maxDets: [100, 10, 1] }).stats).toEqual(full.stats);
    const small = evaluateCoco(gt, dt, { maxDets: [1, 2, 3] });
    expect(small.stats[0]).toBe(-1);
    expect(small.stats[1]).toBeLessThanOrEqual(full.stats[1]);
    expect(small.stats[6]).toBe(full.stats[6]);
    expect(summaryLines(small)[8]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  3 ] = ' + pyFixed(small.stats[8], 3));
  });

  test('per-category output can be left out', () => {
    const ev = evaluateCoco(gt, dt, { perCategory: false });
    expect(ev.perCategory).toBeNull();
    expect(ev.stats).toEqual(full.stats);
  });
});

describe('reading results files', () => {
  const g = loadCocoGroundTruth(gt);
  const viaParse = loadCocoDetections(dt, g);

  test('the byte-level reader gives what JSON.parse gives, whatever the layout', () => {
    const layouts = [
      JSON.stringify(dt),
      JSON.stringify(dt, null, 2),
      JSON.stringify(dt.map((d) => ({ score: d.score, bbox: d.bbox, id: 3, category_id: d.category_id, note: 'x', crowd: null, image_id: d.image_id }))),
    ];
    for (const text of layouts) {
      const r = readCocoDetections(write('layout.json', text), g);
      expect(r.dt).toEqual(viaParse.dt);
    }
  });

  test('numbers are the doubles JSON.parse gives', () => {
    const texts = ['0', '-0', '12', '1.5', '-273.15', '1e3', '2.5E-3', '0.1', '0.30000000000000004', '123456789012345678', '9007199254740993', '1.7976931348623157e308', '5e-324', '1e400', '0.000001234', '3.14159265358979323846'];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const v = (seed / 2 ** 31) * 10 ** ((seed % 13) - 4);
      texts.push(String(v), v.toFixed(seed % 9), v.toExponential(seed % 17));
    }
    const tok = { value: 0, end: 0 };
    const wrong: string[] = [];
    for (const t of texts) {
      readJsonNumber(Buffer.from(t), 0, tok);
      if (tok.end !== t.length || !Object.is(tok.value, JSON.parse(t))) wrong.push(t);
    }
    expect(wrong).toEqual([]);
  });
});

test("Python's rounding in the summary lines", () => {
  const cases: [number, string, string][] = [
    [0.0625, '0.062', '0.06'], [0.1875, '0.188', '0.19'], [0.3125, '0.312', '0.31'], [0.5625, '0.562', '0.56'],
    [0.0005, '0.001', '0.00'], [0.0015, '0.002', '0.00'], [-1, '-1.000', '-1.00'], [1, '1.000', '1.00'], [0.2345, '0.234', '0.23'],
  ];
  for (const [v, three, two] of cases) expect([pyFixed(v, 3), pyFixed(v, 2)]).toEqual([three, two]);
});
