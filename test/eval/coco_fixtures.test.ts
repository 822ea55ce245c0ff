/** evaluateCoco against the pycocotools golden cases in test/fixtures/coco-eval (1e-12, most exactly). */
import * as fs from 'fs';
import * as path from 'path';
import { evaluateCoco } from '../../eval/coco/coco_eval';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from '../../eval/coco/coco_params';

const DIR = path.join(__dirname, '..', 'fixtures', 'coco-eval');
const CASES = fs.readdirSync(DIR).sort();
const read = (c: string, f: string) => JSON.parse(fs.readFileSync(path.join(DIR, c, f), 'utf8'));
const TOL = 1e-12; // the README's tolerance; today every value agrees bit for bit

function close(got: number, want: number, what: string): void {
  if (!(Math.abs(got - want) <= TOL)) throw new Error(`${what}: got ${got}, want ${want}`);
}

test('all six cases are present', () => {
  expect(CASES).toEqual(['basic-handmade', 'crowd-and-areas', 'dups-ties-maxdets', 'empty-detections', 'missing-categories', 'random-mixed']);
});

test('thresholds are numpy linspace doubles', () => {
  const e = read('basic-handmade', 'expected.json');
  expect(IOU_THRESHOLDS).toEqual(e.params.iouThrs);
  expect(RECALL_THRESHOLDS).toEqual(e.params.recThrs);
});

describe.each(CASES)('%s', (name) => {
  const expected = read(name, 'expected.json');
  const ev = evaluateCoco(read(name, 'gt.json'), read(name, 'dt.json'));

  test('params', () => {
    expect(ev.params.imgIds).toEqual(expected.params.imgIds);
    expect(ev.params.catIds).toEqual(expected.params.catIds);
    expect(ev.params.maxDets).toEqual(expected.params.maxDets);
    expect(ev.params.areaRng).toEqual(expected.params.areaRng);
  });

  test('the 12 stats', () => {
    expect(ev.stats).toHaveLength(12);
    ev.stats.forEach((v, i) => close(v, expected.stats[i], `stats[${i}] ${expected.stats_names[i]}`));
  });

  test('per category: AP, AP50, AP75, AP by area, recall, counts', () => {
    const per = ev.perCategory!;
    expect(per.map((c) => c.categoryId)).toEqual(expected.per_category.map((c: { category_id: number }) => c.category_id));
    per.forEach((c, k) => {
      const w = expected.per_category[k];
      const id = `category ${c.categoryId}`;
      expect([c.numGt, c.numGtCrowd]).toEqual([w.num_gt_noncrowd, w.num_gt_crowd]);
      close(c.ap, w.ap, `${id} ap`);
      close(c.ap50, w.ap50, `${id} ap50`);
      close(c.ap75, w.ap75, `${id} ap75`);
      close(c.apSmall, w.ap_small, `${id} ap_small`);
      close(c.apMedium, w.ap_medium, `${id} ap_medium`);
      close(c.apLarge, w.ap_large, `${id} ap_large`);
      close(c.recall, w.recall, `${id} recall`);
      c.recallPerIou.forEach((v, t) => close(v, w.recall_per_iou[t], `${id} recall_per_iou[${t}]`));
    });
  });

  test('10x101 precision blocks (area all, maxDets 100)', () => {
    const { T, R, K, A, M } = ev.dims;
    expect([T, R, A, M]).toEqual([10, 101, 4, 3]);
    expected.per_category.forEach((w: { precision_per_iou: number[][] }, k: number) => {
      for (let t = 0; t < T; t++) {
        for (let r = 0; r < R; r++) {
          close(ev.precision[(((t * R + r) * K + k) * A + 0) * M + 2], w.precision_per_iou[t][r], `category #${k} precision[${t}][${r}]`);
        }
      }
    });
  });
});
