/** VOC inputs: devkit results files and COCO-style JSON, the writer, and bad input with file and line. */
import * as fs from 'fs';
import * as path from 'path';
import { evaluateVoc } from '../../eval/voc/voc_eval';
import { parseVocAnnotation, readVocGroundTruth } from '../../eval/voc/voc_annotations';
import { parseVocResultsFile, readVocResultsDir, writeVocResults } from '../../eval/voc/voc_results_files';
import { vocDetectionsFromJson } from '../../eval/voc/voc_results_json';
import { defaultVocMetric } from '../../eval/voc/voc_report';
import { VOC_CLASSES } from '../../eval/voc/voc_types';
import { tempDir } from '../helpers/temp_dir';

const DIR = path.join(__dirname, '..', 'fixtures', 'voc-eval');
const root = path.join(DIR, 'random-small');
const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected.json'), 'utf8'));
const classes: string[] = expected.classes;
const gt = readVocGroundTruth(root, 'test');
const dets = readVocResultsDir(path.join(root, 'results'), 'test', classes);
const tmp = tempDir('voc');

describe('devkit results files', () => {
  test('a wrong column count names the file and line', () => {
    expect(() => parseVocResultsFile('000005 0.9 1 2 3 4\n\n000012 0.8 1 2 3\n', 'dog', 'comp4_det_test_dog.txt')).toThrow(
      'comp4_det_test_dog.txt:3: expected 6 columns (image_id score xmin ymin xmax ymax), got 5',
    );
    expect(() => parseVocResultsFile('000005 0.9 1 2 3 4 5\n', 'dog', 'f.txt')).toThrow('f.txt:1: expected 6 columns');
  });

  test('non-numbers and negative widths name the file and line', () => {
    expect(() => parseVocResultsFile('000005 high 1 2 3 4\n', 'dog', 'f.txt')).toThrow("f.txt:1: column 2 must be a finite number, got 'high'");
    expect(() => parseVocResultsFile('000005 0.5 1 2 3 4\r\n000005 0.4 50 2 10 4\r\n', 'dog', 'f.txt')).toThrow('f.txt:2: box has negative width');
  });

  test('a missing class file is an error naming it', () => {
    expect(() => readVocResultsDir(path.join(root, 'results'), 'test', [...classes, 'sofa'])).toThrow(/comp4_det_test_sofa\.txt: no results file for class 'sofa'/);
  });

  test('the writer round-trips: continuous boxes out, the same AP back', () => {
    const continuous = dets.map((d) => ({ imageId: d.imageId, className: d.className, score: d.score, box: [d.box[0] - 1, d.box[1] - 1, d.box[2], d.box[3]] }));
    const out = path.join(tmp, 'written');
    const files = writeVocResults(out, 'test', continuous, [...classes, 'sofa']);
    expect(files.map((f) => path.basename(f))).toEqual([...classes, 'sofa'].map((c) => `comp4_det_test_${c}.txt`));
    expect(fs.readFileSync(files[files.length - 1], 'utf8')).toBe('');
    const back = readVocResultsDir(out, 'test', classes);
    expect(back).toHaveLength(dets.length);
    const ev = evaluateVoc(gt, back, { metric: 'area', classes });
    for (const c of classes) expect(ev.ap[c]).toBeCloseTo(expected.use_07_metric_false.ap[c], 12);
    expect(() => writeVocResults(out, 'test', continuous, ['dog'])).toThrow(/which is not among the classes to write/);
  });
});

describe('COCO-style JSON with class names', () => {
  const asJson = dets.map((d, i) => ({
    image_id: i % 2 ? d.imageId : Number(d.imageId),
    [i % 3 ? 'category' : 'category_name']: d.className,
    bbox: [d.box[0] - 1, d.box[1] - 1, d.box[2] - d.box[0] + 1, d.box[3] - d.box[1] + 1],
    score: d.score,
  }));

  test('gives the AP of the devkit files', () => {
    const fromJson = vocDetectionsFromJson(asJson, gt.imageIds);
    for (const metric of ['07', 'area'] as const) {
      const ev = evaluateVoc(gt, fromJson, { metric, classes });
      const key = metric === '07' ? 'use_07_metric_true' : 'use_07_metric_false';
      for (const c of classes) expect(ev.ap[c]).toBeCloseTo(expected[key].ap[c], 12);
      expect(ev.map).toBeCloseTo(expected[key].map, 12);
    }
  });

  test('bad entries', () => {
    expect(() => vocDetectionsFromJson([{ ...asJson[0], image_id: '999999' }], gt.imageIds, 'r.json')).toThrow('r.json: [0]: image_id "999999" is not in the image set');
    const { category: _c, category_name: _n, ...noClass } = asJson[1] as Record<string, unknown>;
    expect(() => vocDetectionsFromJson([noClass], gt.imageIds, 'r.json')).toThrow('r.json: [0]: missing field "category" (the class name)');
    expect(() => vocDetectionsFromJson([{ ...asJson[1], score: NaN }], gt.imageIds, 'r.json')).toThrow('r.json: [0]: "score" must be a finite number, got NaN');
    expect(() => vocDetectionsFromJson([{ ...asJson[1], bbox: [1, 1, -2, 3] }], gt.imageIds, 'r.json')).toThrow('bbox [x, y, w, h] has negative width');
    expect(() => vocDetectionsFromJson({}, gt.imageIds, 'r.json')).toThrow('r.json: a results file must be a list');
  });

  test('classes not evaluated are counted and ignored', () => {
    const extra = [...vocDetectionsFromJson(asJson, gt.imageIds), { imageId: gt.imageIds[0], className: 'unicorn', score: 1, box: [1, 1, 5, 5] as [number, number, number, number] }];
    const ev = evaluateVoc(gt, extra, { metric: 'area', classes });
    expect(ev.ignoredDetections).toEqual({ unicorn: 1 });
    expect(ev.map).toBeCloseTo(expected.use_07_metric_false.map, 12);
  });
});

describe('ground truth and evaluation rules', () => {
  test('a detection on an image outside the image set is refused', () => {
    expect(() => evaluateVoc(gt, [{ ...dets[0], imageId: 'nope' }], { metric: '07', classes })).toThrow("names image 'nope', which is not in the image set");
  });

  test('a class with no ground truth gets AP -1 and leaves the mAP', () => {
    const ev = evaluateVoc(gt, dets, { metric: 'area', classes: [...classes, 'sofa'] });
    expect(ev.ap.sofa).toBe(-1);
    expect(ev.classesWithoutGt).toEqual(['sofa']);
    expect(ev.map).toBe(evaluateVoc(gt, dets, { metric: 'area', classes }).map);
  });

  test('malformed XML and missing coordinates name the file', () => {
    expect(() => parseVocAnnotation('<annotation>\n<object><name>dog</name>\n</annotation>', 'a.xml')).toThrow(/^a\.xml: invalid XML at line 3/);
    const noY = '<annotation><object><name>dog</name><bndbox><xmin>1</xmin><xmax>5</xmax><ymax>9</ymax></bndbox></object></annotation>';
    expect(() => parseVocAnnotation(noY, 'b.xml')).toThrow('b.xml: object 1 (dog): <ymin> must be a number, got nothing');
    expect(() => readVocGroundTruth(path.join(tmp, 'none'), 'test')).toThrow(/ImageSets\/Main\/test\.txt: cannot read: ENOENT/);
  });

  test('difficult flags and images without objects', () => {
    const objs = parseVocAnnotation(
      '<annotation><object><name> cat </name><difficult>1</difficult><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object>' +
        '<object><name>dog</name><bndbox><xmin>5</xmin><ymin>6</ymin><xmax>7</xmax><ymax>8</ymax></bndbox></object></annotation>',
      'c.xml',
    );
    expect(objs).toEqual([
      { name: 'cat', difficult: true, box: [1, 2, 3, 4] },
      { name: 'dog', difficult: false, box: [5, 6, 7, 8] },
    ]);
    expect(parseVocAnnotation('<annotation><size><width>5</width></size></annotation>', 'd.xml')).toEqual([]);
  });

  test('default metric follows the folder; the default classes are the 20 of VOC', () => {
    expect(defaultVocMetric('/data/VOCdevkit/VOC2007')).toBe('07');
    expect(defaultVocMetric('/data/VOCdevkit/VOC2007/')).toBe('07');
    expect(defaultVocMetric('/data/VOCdevkit/VOC2012')).toBe('area');
    expect(VOC_CLASSES).toHaveLength(20);
  });
});
