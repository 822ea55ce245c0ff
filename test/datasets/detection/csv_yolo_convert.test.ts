import * as fs from 'fs';
import * as path from 'path';
import { loadCsv } from '../../../datasets/detection/csv';
import { loadYolo } from '../../../datasets/detection/yolo';
import { detectFormat, openDetectionDataset } from '../../../datasets/detection/detect_format';
import { writeDataset } from '../../../datasets/detection/convert';
import { loadCoco } from '../../../datasets/detection/coco';
import { makeCoco, makeVocDevkit, tmpDir, writeImage } from './fixtures';

describe('CSV, YOLO, format detection and conversion', () => {
  test('CSV: header, empty-image lines, classes sorted; bad lines named', async () => {
    const dir = tmpDir('csv');
    await writeImage(path.join(dir, 'img', 'a.jpg'), 50, 40);
    await writeImage(path.join(dir, 'img', 'b.png'), 30, 30);
    fs.writeFileSync(path.join(dir, 'boxes.csv'), [
      'image,x1,y1,x2,y2,label', 'img/a.jpg,1,2,11,12,dog', 'img/a.jpg,0,0,60,10,cat', 'img/b.png,,,,,',
      'img/a.jpg,1,x,3,4,dog', 'img/missing.jpg,1,2,3,4,dog', 'img/a.jpg,1,2', '',
    ].join('\n'));
    const ds = await loadCsv({ file: path.join(dir, 'boxes.csv') });
    expect(ds.classes.names).toEqual(['cat', 'dog']);
    expect(ds.records.map((r) => [r.name, r.width, r.height, r.labels.length])).toEqual([['img/a.jpg', 50, 40, 2], ['img/b.png', 30, 30, 0]]);
    expect(Array.from(ds.records[0].boxes)).toEqual([1, 2, 11, 12, 0, 0, 50, 10]);
    expect(ds.problems.map((p) => `${p.level}|${p.object}|${p.message.slice(0, 40)}`)).toEqual([
      'error|line 5 (img/a.jpg)|non-numeric coordinates: 1,x,3,4',
      'error|line 7|has 3 fields, expected 6: image,x1,y1,x2',
      expect.stringMatching(/^error\|line 6\|points at image /),
      expect.stringMatching(/^warning\|line 3 \(a.jpg\)\|box \[0, 0, 60, 10\] extends outside/),
    ]);
    // a class list makes unknown labels errors
    const strict = await loadCsv({ file: path.join(dir, 'boxes.csv'), classes: ['dog'] });
    expect(strict.problems.some((p) => p.message === "unknown class 'cat' (known classes: dog)")).toBe(true);
  });

  test('YOLO: relative centre boxes, class list, missing label = no objects, orphan label = error', async () => {
    const dir = tmpDir('yolo');
    await writeImage(path.join(dir, 'images', 'train', 'a.jpg'), 100, 50);
    await writeImage(path.join(dir, 'images', 'train', 'b.jpg'), 20, 20);
    fs.mkdirSync(path.join(dir, 'labels', 'train'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'labels', 'train', 'a.txt'), '1 0.5 0.5 0.2 0.4\n0 0.1 0.1 0.1 zz\n5 0.5 0.5 0.1 0.1\n');
    fs.writeFileSync(path.join(dir, 'labels', 'train', 'c.txt'), '0 0.5 0.5 0.1 0.1\n');
    fs.writeFileSync(path.join(dir, 'data.yaml'), 'names: [cat, dog]\n');
    expect(detectFormat(dir)).toBe('yolo');
    const ds = await loadYolo({ root: dir });
    expect(ds.classes.names).toEqual(['cat', 'dog']);
    expect(ds.records.map((r) => r.labels.length)).toEqual([1, 0]);
    expect(Array.from(ds.records[0].boxes)).toEqual([40, 15, 60, 35]);
    const a = path.join(dir, 'labels', 'train', 'a.txt');
    expect(ds.problems.map((p) => `${p.file}|${p.object}|${p.message}`)).toEqual([
      expect.stringMatching(new RegExp(`c\\.txt\\|\\|label file has no image`)),
      `${a}|line 2|non-numeric values: 0 0.1 0.1 0.1 zz`,
      `${a}|line 3|unknown class '5' (known classes: 0=cat, 1=dog)`,
    ]);
  });

  test('format detection', async () => {
    const root = tmpDir('detect');
    const devkit = await makeVocDevkit(root);
    expect(detectFormat(devkit)).toBe('voc');
    expect(detectFormat(root)).toBe('voc');
    const cocoRoot = tmpDir('detectcoco');
    const file = await makeCoco(cocoRoot);
    expect(detectFormat(cocoRoot)).toBe('coco');
    expect(detectFormat(file)).toBe('coco');
    expect((await openDetectionDataset(cocoRoot)).records).toHaveLength(3);
    expect(() => detectFormat(tmpDir('empty'))).toThrow(/cannot tell the format of folder .*--format/);
    expect(() => detectFormat('/nonexistent/x')).toThrow('dataset /nonexistent/x does not exist');
  });

  test('COCO → YOLO → back and COCO → VOC → back keep boxes; what cannot be kept is stated', async () => {
    const src = await loadCoco({ annotationFile: await makeCoco(tmpDir('conv')) });
    const yoloOut = tmpDir('toyolo');
    const y = await writeDataset(src, yoloOut, 'yolo');
    expect(y.split).toBe('val2017');
    expect(y.dropped.join('\n')).toMatch(/1 crowd region\(s\) dropped/);
    expect(y.dropped.join('\n')).toMatch(/category ids \[1, 3, 7\] not kept/);
    const yb = await openDetectionDataset(yoloOut);
    expect(yb.classes.names).toEqual(src.classes.names);
    const boxes = (ds: typeof src) => ds.records.flatMap((r) => Array.from(r.boxes).filter((_, i) => !r.crowd[i >> 2]));
    boxes(yb).forEach((v, i) => expect(v).toBeCloseTo(boxes(src)[i], 3));

    const vocOut = tmpDir('tovoc');
    const v = await writeDataset(src, vocOut, 'voc');
    expect(v.dropped.join('\n')).toMatch(/1 box\(es\) with fractional coordinates rounded/);
    const vb = await openDetectionDataset(vocOut, { split: 'val2017' });
    expect(vb.problems).toEqual([]);
    expect(Array.from(vb.records[0].boxes)).toEqual([2, 2, 12, 22, 20, 5, 50, 35]);

    const cocoOut = tmpDir('tococo');
    const c = await writeDataset(vb, cocoOut, 'coco');
    expect(c.dropped).toEqual(['annotation ids were assigned (1..N); area = box area']);
    const cb = await openDetectionDataset(cocoOut);
    expect(cb.records.map((r) => Array.from(r.boxes))).toEqual(vb.records.map((r) => Array.from(r.boxes)));
  });
});
