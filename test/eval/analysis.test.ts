/** The detection analysis: PR curves against pycocotools' precision arrays, and a hand-made case worked on paper. */
import * as fs from 'fs';
import * as path from 'path';
import { analyzeCoco } from '../../eval/analysis/coco_analysis';
import { vocPrCurves } from '../../eval/analysis/pr_curves';
import { evaluateVoc } from '../../eval/voc/voc_eval';
import { VocDetection, VocGroundTruth } from '../../eval/voc/voc_types';
import { CocoDatasetJson, CocoDetectionJson } from '../../eval/coco/coco_types';

const DIR = path.join(__dirname, '..', 'fixtures', 'coco-eval');
const read = (c: string, f: string) => JSON.parse(fs.readFileSync(path.join(DIR, c, f), 'utf8'));

describe.each(fs.readdirSync(DIR).sort())('PR curves on the pycocotools fixture %s', (name) => {
  const expected = read(name, 'expected.json');
  const a = analyzeCoco(read(name, 'gt.json'), read(name, 'dt.json'));
  test('equal pycocotools precision[t=0.5 and 0.75][:, k, area all, maxDets 100], AP = AP50/AP75', () => {
    expect(a.prCurves.recallThresholds).toEqual(expected.params.recThrs);
    expect(a.prCurves.classes.map((c) => c.categoryId)).toEqual(expected.per_category.map((c: { category_id: number }) => c.category_id));
    a.prCurves.classes.forEach((c, k) => {
      const w = expected.per_category[k];
      expect(c.curves.map((x) => x.iouThreshold)).toEqual([0.5, 0.75]);
      expect(c.curves[0].precision).toEqual(w.precision_per_iou[0]); // iouThrs[0] = 0.5
      expect(c.curves[1].precision).toEqual(w.precision_per_iou[5]); // iouThrs[5] = 0.75
      expect(c.curves[0].ap).toBeCloseTo(w.ap50, 12);
      expect(c.curves[1].ap).toBeCloseTo(w.ap75, 12);
      expect([a.apBySize[k].small, a.apBySize[k].medium, a.apBySize[k].large]).toEqual([w.ap_small, w.ap_medium, w.ap_large].map((v) => expect.closeTo(v, 12)));
    });
  });
});

/*
 * One image, categories 1 cat and 2 dog, boxes [x, y, w, h]:
 *   G1 cat [0,0,10,10]  G2 dog [20,0,10,10]  G3 dog [40,0,10,10]  G4 cat [60,0,10,10]  G5 cat [0,40,10,10]
 *   D5 cat [80,80,10,10] .95  background (no overlap)
 *   D1 cat [0,0,10,10]   .90  matches G1
 *   D2 cat [0,0,10,10]   .80  duplicate (IoU 1 with G1, taken)
 *   D3 cat [20,0,10,10]  .70  classification (IoU 1 with dog G2)
 *   D7 cat [0,40,10,10]  .65  matches G5
 *   D4 dog [40,0,10,4]   .60  localisation (IoU 40/100 = 0.4 with dog G3)
 *   D6 dog [60,0,10,4]   .30  both (IoU 0.4 with cat G4, nothing of its class)
 *   G4 is found by nothing and targeted by no classification/localisation error: missed (1).
 * COCO AP50 = mean over the 101 recall thresholds r of the best precision at recall >= r:
 *   cat (3 boxes): FP TP FP FP TP → TPs at precision 1/2 (recall 1/3) and 2/5 (recall 2/3):
 *     34 thresholds (0..0.33) at 0.5, 33 (0.34..0.66) at 0.4, 34 at 0 → 30.2/101; dog: no TP → 0.
 *   AP50 = 30.2/202.
 * Fixed one type at a time:
 *   classification: D3 becomes dog. cat FP TP FP TP → 1/2, 2/4: 67 × 0.5 = 33.5/101; dog TP FP FP → 51 × 1 = 51/101;
 *     AP50 = 84.5/202, gain 54.3/202.
 *   localisation: D4 gets G3's box: dog TP FP → 51 × 1 = 51/101; cat 30.2/101; AP50 = 81.2/202, gain 51/202.
 *   both: D6 removed; dog still has no TP → gain 0.
 *   duplicate: D2 removed: cat FP TP FP TP → 33.5/101; AP50 = 33.5/202, gain 3.3/202.
 *   background: D5 removed: cat TP FP FP TP → 34 × 1 + 33 × 0.5 = 50.5/101; AP50 = 50.5/202, gain 20.3/202.
 *   missed: G4 removed, cat has 2 boxes: TPs at precision 1/2 (recall 1/2), 2/5 (recall 1):
 *     51 × 0.5 + 50 × 0.4 = 45.5/101; AP50 = 45.5/202, gain 15.3/202.
 * Confusion at score 0.5 (D6 left out), rows predicted, columns true, [cat, dog, background]:
 *   matches D1, D7 → [cat][cat] = 2; D5 and D2 overlap no unfound box of another class → [cat][bg] = 2;
 *   D3 overlaps dog G2 at IoU 1 → [cat][dog] = 1; D4 overlaps no cat box → [dog][bg] = 1;
 *   unfound G4 (cat) → [bg][cat] = 1, G3 (dog) → [bg][dog] = 1.
 */
const box = (id: number, cat: number, b: number[]) => ({ id, image_id: 1, category_id: cat, bbox: b, area: b[2] * b[3], iscrowd: 0 });
const GT: CocoDatasetJson = {
  images: [{ id: 1, width: 100, height: 100 }],
  categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }],
  annotations: [box(1, 1, [0, 0, 10, 10]), box(2, 2, [20, 0, 10, 10]), box(3, 2, [40, 0, 10, 10]), box(4, 1, [60, 0, 10, 10]), box(5, 1, [0, 40, 10, 10])],
};
const det = (cat: number, b: number[], score: number): CocoDetectionJson => ({ image_id: 1, category_id: cat, bbox: b, score });
const DT: CocoDetectionJson[] = [
  det(1, [80, 80, 10, 10], 0.95), det(1, [0, 0, 10, 10], 0.9), det(1, [0, 0, 10, 10], 0.8), det(1, [20, 0, 10, 10], 0.7),
  det(1, [0, 40, 10, 10], 0.65), det(2, [40, 0, 10, 4], 0.6), det(2, [60, 0, 10, 4], 0.3),
];

describe('hand-made case', () => {
  const a = analyzeCoco(GT, DT, { scoreThreshold: 0.5 });
  test('error breakdown: counts, AP50 and the gain of fixing each type', () => {
    const e = a.errors;
    expect(e.ap50).toBeCloseTo(30.2 / 202, 12);
    const want = { classification: [1, 84.5], localisation: [1, 81.2], both: [1, 30.2], duplicate: [1, 33.5], background: [1, 50.5], missed: [1, 45.5] };
    for (const [t, [count, fixed]] of Object.entries(want)) {
      const got = e.errors[t as keyof typeof want];
      expect([t, got.count]).toEqual([t, count]);
      expect(got.fixedAp50).toBeCloseTo(fixed / 202, 12);
      expect(got.deltaAp50).toBeCloseTo((fixed - 30.2) / 202, 12);
    }
  });
  test('confusion matrix at score 0.5', () => {
    expect(a.confusion.labels).toEqual(['cat', 'dog', 'background']);
    expect(a.confusion.scoreThreshold).toBe(0.5);
    expect(a.confusion.matrix).toEqual([
      [2, 1, 2],
      [0, 0, 1],
      [1, 1, 0],
    ]);
  });
  test('detections of a category not in the ground truth are listed, and change nothing else', () => {
    const b = analyzeCoco(GT, [...DT, det(99, [0, 0, 10, 10], 0.99), det(99, [5, 5, 5, 5], 0.1)], { scoreThreshold: 0.5 });
    expect(b.unknownCategories).toEqual({ '99': 2 });
    expect(b.confusion).toEqual(a.confusion);
    expect(b.errors).toEqual(a.errors);
    expect(b.prCurves).toEqual(a.prCurves);
  });
});

test('VOC curves are the devkit cumulative recall/precision, AP as evaluateVoc', () => {
  // one image, two 'cat' objects: dets .9 on the first (TP), .8 nowhere (FP), .7 on the second (TP)
  const gt: VocGroundTruth = {
    imageIds: ['a'],
    objects: new Map([['a', [{ name: 'cat', difficult: false, box: [1, 1, 10, 10] }, { name: 'cat', difficult: false, box: [21, 1, 30, 10] }]]]),
  };
  const dets: VocDetection[] = [
    { imageId: 'a', className: 'cat', score: 0.9, box: [1, 1, 10, 10] },
    { imageId: 'a', className: 'cat', score: 0.8, box: [50, 50, 60, 60] },
    { imageId: 'a', className: 'cat', score: 0.7, box: [21, 1, 30, 10] },
  ];
  const [c] = vocPrCurves(gt, dets, { metric: 'area', classes: ['cat'] });
  expect(c.recall).toEqual([0.5, 0.5, 1]);
  expect(c.precision).toEqual([1, 0.5, 2 / 3]);
  // area: recall 0→0.5 at envelope 1, 0.5→1 at 2/3
  expect(c.ap).toBeCloseTo(0.5 + 1 / 3, 12);
  expect(c.ap).toBe(evaluateVoc(gt, dets, { metric: 'area', classes: ['cat'] }).ap.cat);
});
