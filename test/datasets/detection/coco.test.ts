import * as fs from 'fs';
import * as path from 'path';
import { cocoJson, loadCoco } from '../../../datasets/detection/coco';
import { streamJsonArrays } from '../../../datasets/detection/json_stream';
import { writeDataset } from '../../../datasets/detection/convert';
import { makeCoco, tmpDir } from './fixtures';

describe('COCO loader', () => {
  test('category ids → contiguous labels in id order, crowd kept aside, [x,y,w,h] → x1,y1,x2,y2', async () => {
    const file = await makeCoco(tmpDir('coco'));
    const ds = await loadCoco({ annotationFile: file });
    expect(ds.problems).toEqual([]);
    expect(ds.classes).toEqual({ names: ['person', 'car', 'zebra'], categoryIds: [1, 3, 7] });
    expect(ds.records.map((r) => r.imageId)).toEqual([10, 20, 30]);
    const [a, b, c] = ds.records;
    expect(a.file).toBe(path.join(path.dirname(path.dirname(file)), 'val2017', 'a.jpg'));
    expect(Array.from(a.boxes)).toEqual([1.5, 2.25, 11.5, 22.25, 20, 5, 50, 35]);
    expect(Array.from(a.labels)).toEqual([2, 0]);
    expect(Array.from(a.annotationIds!)).toEqual([1, 2]);
    expect(Array.from(a.areas!)).toEqual([150, 900]);
    expect(Array.from(b.crowd)).toEqual([1]);
    expect(c.labels.length).toBe(0);
    const skip = await loadCoco({ annotationFile: file, keepEmpty: false });
    expect(skip.records.map((r) => r.imageId)).toEqual([10, 20]);
    // writing it back gives the same annotations
    const back = cocoJson(ds, (r) => path.basename(r.file)) as { annotations: { id: number; bbox: number[]; category_id: number; iscrowd: number }[] };
    expect(back.annotations.map((x) => [x.id, x.category_id, x.iscrowd, ...x.bbox])).toEqual([
      [1, 7, 0, 1.5, 2.25, 10, 20], [2, 1, 0, 20, 5, 30, 30], [3, 3, 1, 0, 0, 40, 50],
    ]);
  });

  test('what boxes cannot hold (segmentation, extra sections) is listed, and conversion says it was dropped', async () => {
    const root = tmpDir('cocoseg');
    const file = await makeCoco(root, {
      annotations: [{ id: 1, image_id: 10, category_id: 7, bbox: [1, 2, 3, 4], area: 9, iscrowd: 0, segmentation: [[1, 2, 4, 2, 4, 6]] }],
    });
    const ds = await loadCoco({ annotationFile: file });
    expect(ds.notLoaded).toEqual(['segmentation of 1 annotation(s) (resdet keeps boxes, and the COCO area)']);
    const r = await writeDataset(ds, tmpDir('cocoseg-out'), 'coco');
    expect(r.dropped[0]).toBe('segmentation of 1 annotation(s) (resdet keeps boxes, and the COCO area): not read from the source');
  });

  test('bad input: duplicate ids, id 0, unknown category, missing image id and file, non-numeric bbox', async () => {
    const root = tmpDir('cocobad');
    const file = await makeCoco(root, {
      images: [
        { id: 10, file_name: 'a.jpg', width: 64, height: 48 },
        { id: 10, file_name: 'b.jpg', width: 40, height: 50 },
        { id: 40, file_name: 'gone.jpg', width: 10, height: 10 },
      ],
      annotations: [
        { id: 1, image_id: 10, category_id: 1, bbox: [1, 2, 3, 4], iscrowd: 0 },
        { id: 1, image_id: 10, category_id: 1, bbox: [1, 2, 3, 4], iscrowd: 0 },
        { id: 0, image_id: 10, category_id: 1, bbox: [1, 2, 3, 4], iscrowd: 0 },
        { id: 5, image_id: 10, category_id: 99, bbox: [1, 2, 3, 4], iscrowd: 0 },
        { id: 6, image_id: 77, category_id: 1, bbox: [1, 2, 3, 4], iscrowd: 0 },
        { id: 7, image_id: 10, category_id: 1, bbox: [1, 'a', 3, 4], iscrowd: 0 },
        { id: 8, image_id: 10, category_id: 1, bbox: [60, 40, 10, 10], iscrowd: 0 },
        { id: 9, image_id: 10, category_id: 1, bbox: [5, 5, 0, 10], iscrowd: 0 },
      ],
      categories: [{ id: 1, name: 'person' }, { id: 1, name: 'again' }],
    });
    const ds = await loadCoco({ annotationFile: file });
    const msgs = ds.problems.map((p) => `${p.level}|${p.object}|${p.message}`);
    expect(ds.problems.every((p) => p.file === file)).toBe(true);
    expect(msgs).toEqual(expect.arrayContaining([
      'error|categories[1] (again)|duplicate category id 1',
      'error|image id 10|duplicate image id 10',
      'error|annotation id 1|duplicate annotation id 1',
      expect.stringMatching(/^error\|annotation id 0\|annotation id 0 is not allowed/),
      'error|annotation id 5|category_id 99 is not in "categories" (ids: 1)',
      'error|annotation id 6|image_id 77 is not in "images"',
      expect.stringMatching(/^error\|annotation id 7\|bbox \[1,"a",3,4\] is not four numbers/),
      expect.stringMatching(/^warning\|annotation id 8 \(image id 10\)\|box bbox \[60, 40, 10, 10\] extends outside the 64x48 image: clipped to x1,y1,x2,y2 = \[60, 40, 64, 48\]/),
      expect.stringMatching(/^warning\|annotation id 9 \(image id 10\)\|.*zero or negative area: dropped/),
      expect.stringMatching(/^error\|image id 40\|points at image .*gone\.jpg, which does not exist/),
    ]));
    expect(msgs).toHaveLength(10);
    expect(ds.records.map((r) => [r.imageId, r.labels.length])).toEqual([[10, 2]]);
  });

  test('streamed parse equals JSON.parse, across chunk boundaries; truncated and non-object files are errors', async () => {
    const dir = tmpDir('json');
    const data = {
      info: { description: 'x "quoted" {not a brace}' },
      images: [{ id: 1, file_name: 'a\\"b.jpg' }, { id: 2, file_name: 'ü.jpg', nested: { deep: [1, [2, { x: ']' }]] } }],
      licenses: [{ id: 1 }],
      annotations: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, bbox: [i, i / 3, 5, 6], segmentation: [[1, 2, 3]] })),
      categories: [{ id: 1, name: 'a,b' }],
    };
    const file = path.join(dir, 'x.json');
    fs.writeFileSync(file, JSON.stringify(data, null, 2));
    for (const chunk of [7, 64, 1 << 20]) {
      const got: Record<string, unknown[]> = { images: [], annotations: [], categories: [] };
      const keys = await streamJsonArrays(file, ['images', 'annotations', 'categories'], (k, v) => got[k].push(v), chunk);
      expect(keys).toEqual(['info', 'images', 'licenses', 'annotations', 'categories']);
      expect(got).toEqual({ images: data.images, annotations: data.annotations, categories: data.categories });
    }
    fs.writeFileSync(file, JSON.stringify(data).slice(0, 300));
    await expect(streamJsonArrays(file, ['images'], () => undefined)).rejects.toThrow(`${file}: truncated JSON`);
    fs.writeFileSync(file, '[1, 2]');
    await expect(streamJsonArrays(file, ['images'], () => undefined)).rejects.toThrow(/not a JSON object/);
    const ds = await loadCoco({ annotationFile: file.replace('x.json', 'x.json') }).catch((e) => e);
    expect(String(ds)).toMatch(/not a JSON object/);
  });
});
