/** evaluateVoc against the py-faster-rcnn voc_eval golden cases in test/fixtures/voc-eval (1e-12). */
import * as fs from 'fs';
import * as path from 'path';
import { evaluateVoc } from '../../eval/voc/voc_eval';
import { readVocGroundTruth } from '../../eval/voc/voc_annotations';
import { readVocResultsDir } from '../../eval/voc/voc_results_files';

const DIR = path.join(__dirname, '..', 'fixtures', 'voc-eval');
const CASES = fs.readdirSync(DIR).sort();
const TOL = 1e-12; // the README's tolerance; today every value agrees bit for bit

function close(got: number, want: number, what: string): void {
  if (!(Math.abs(got - want) <= TOL)) throw new Error(`${what}: got ${got}, want ${want}`);
}

test('all three cases are present', () => {
  expect(CASES).toEqual(['handmade-basic', 'random-20-classes', 'random-small']);
});

describe.each(CASES)('%s', (name) => {
  const root = path.join(DIR, name);
  const expected = JSON.parse(fs.readFileSync(path.join(root, 'expected.json'), 'utf8'));
  const classes: string[] = expected.classes;
  const gt = readVocGroundTruth(root, 'test');
  const dets = readVocResultsDir(path.join(root, 'results'), 'test', classes);

  test('image set', () => {
    expect(gt.imageIds).toHaveLength(expected.num_images);
  });

  test.each([
    ['07', 'use_07_metric_true'],
    ['area', 'use_07_metric_false'],
  ] as const)('metric %s: AP per class and mAP', (metric, key) => {
    const ev = evaluateVoc(gt, dets, { metric, classes });
    for (const c of classes) close(ev.ap[c], expected[key].ap[c], `${c} AP`);
    close(ev.map, expected[key].map, 'mAP');
    expect(ev.classesWithoutGt).toEqual([]);
  });

  test('per class counts, final recall and precision', () => {
    const ev = evaluateVoc(gt, dets, { metric: 'area', classes });
    for (const c of classes) {
      const w = expected.per_class[c];
      const g = ev.perClass[c];
      expect([g.npos, g.numDifficult, g.numDetections]).toEqual([w.npos, w.num_difficult, w.num_det]);
      close(g.finalRecall, w.final_recall, `${c} final recall`);
      if (w.final_precision === null) expect(g.finalPrecision).toBeNull();
      else close(g.finalPrecision!, w.final_precision, `${c} final precision`);
    }
  });
});
