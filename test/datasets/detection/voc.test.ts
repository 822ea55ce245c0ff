import * as fs from 'fs';
import * as path from 'path';
import { continuousToVoc, loadVoc, parseVocXml, vocToContinuous, vocXml, VOC_CLASSES } from '../../../datasets/detection/voc';
import { ProblemLog, throwIfErrors } from '../../../datasets/detection/validate';
import { addVocImage, makeVocDevkit, tmpDir } from './fixtures';

describe('VOC loader', () => {
  let root: string;
  let devkit: string;
  beforeAll(async () => {
    root = tmpDir('voc');
    devkit = await makeVocDevkit(root);
  });

  test('split union voc_2007_trainval+voc_2012_trainval, difficult kept, 1-based → continuous', async () => {
    const ds = await loadVoc({ root: devkit, split: 'voc_2007_trainval+voc_2012_trainval' });
    expect(ds.problems).toEqual([]);
    expect(ds.name).toBe('voc_2007_trainval+voc_2012_trainval');
    expect(ds.classes.names).toEqual(VOC_CLASSES);
    expect(ds.records.map((r) => r.name)).toEqual(['000001', '2008_000001']);
    const r = ds.records[0];
    expect([r.width, r.height]).toEqual([100, 80]);
    expect(Array.from(r.boxes)).toEqual([0, 0, 50, 40, 9, 19, 100, 80]);
    expect(Array.from(r.labels)).toEqual([VOC_CLASSES.indexOf('dog'), VOC_CLASSES.indexOf('person')]);
    expect(Array.from(r.difficult)).toEqual([0, 1]);
    expect(r.file).toBe(path.join(devkit, 'VOC2007', 'JPEGImages', '000001.jpg'));
    // the parent of VOCdevkit works too
    expect((await loadVoc({ root, split: 'voc_2007_test' })).records.map((x) => x.name)).toEqual(['000002']);
  });

  test('coordinate round trip VOC ↔ continuous', async () => {
    for (const b of [[1, 1, 10, 10], [17, 4, 500, 375], [3, 9, 3, 9]] as [number, number, number, number][]) {
      const c = vocToContinuous(b);
      expect(c[2] - c[0]).toBe(b[2] - b[0] + 1); // VOC width is inclusive
      expect(continuousToVoc(c)).toEqual(b);
    }
    const ds = await loadVoc({ root: devkit, split: 'voc_2007_trainval' });
    const r = ds.records[0];
    const log = new ProblemLog();
    const again = parseVocXml(vocXml(r, ds.classes.names, '000001.jpg'), 'x.xml', log)!;
    expect(log.problems).toEqual([]);
    expect(again.objects.flatMap((o) => o.box)).toEqual(Array.from(r.boxes));
    expect(again.objects.map((o) => o.difficult)).toEqual([false, true]);
  });

  test('bad input: every problem names the file and the object', async () => {
    const year = path.join(tmpDir('vocbad'), 'VOC2007');
    await addVocImage(year, 'a', 50, 40, [
      { name: 'dog' }, // no bndbox
      { name: 'cat', box: [1, 'x', 10, 10] }, // non-numeric
      { name: 'unicorn', box: [1, 1, 10, 10] }, // unknown class
      { name: 'bird', box: [-5, 1, 60, 30] }, // outside → clipped
      { name: 'cow', box: [10, 10, 9, 20] }, // zero area (xmax = xmin - 1) → dropped
      { name: 'horse', box: [2, 2, 20, 20] }, // fine
    ]);
    await addVocImage(year, 'b', 50, 40, [{ name: 'dog', box: [1, 1, 5, 5] }]);
    fs.unlinkSync(path.join(year, 'JPEGImages', 'b.jpg')); // annotation pointing at a missing image
    fs.writeFileSync(path.join(year, 'ImageSets', 'Main', 'val.txt'), '\n');
    const ds = await loadVoc({ root: year, split: 'trainval' });
    const xml = path.join(year, 'Annotations', 'a.xml');
    const msgs = ds.problems.map((p) => `${p.level}|${p.file}|${p.object}|${p.message}`);
    expect(msgs).toEqual([
      `error|${xml}|object 1 (dog)|has no <bndbox>`,
      expect.stringMatching(new RegExp(`^error\\|${xml}\\|object 2 \\(cat\\)\\|non-numeric .*ymin="x"`)),
      expect.stringMatching(new RegExp(`^error\\|${xml}\\|object 3 \\(unicorn\\)\\|unknown class 'unicorn' \\(known classes: aeroplane, bicycle, .*tvmonitor\\)`)),
      expect.stringMatching(new RegExp(`^warning\\|${xml}\\|object 4 \\(bird\\)\\|.*outside the 50x40 image: clipped to x1,y1,x2,y2 = \\[0, 0, 50, 30\\]`)),
      expect.stringMatching(new RegExp(`^warning\\|${xml}\\|object 5 \\(cow\\)\\|.*zero or negative area: dropped`)),
      expect.stringMatching(new RegExp(`^error\\|${path.join(year, 'Annotations', 'b.xml')}\\|image b\\|points at image .*b\\.jpg, which does not exist`)),
    ]);
    expect(ds.records).toHaveLength(1);
    expect(Array.from(ds.records[0].labels)).toEqual([VOC_CLASSES.indexOf('bird'), VOC_CLASSES.indexOf('horse')]);
    expect(() => throwIfErrors(ds)).toThrow(/4 error\(s\).*\n.*has no <bndbox>/);

    const empty = await loadVoc({ root: year, split: 'val' });
    expect(empty.problems).toEqual([{ level: 'error', file: path.join(year, 'ImageSets', 'Main', 'val.txt'), object: '', message: expect.stringMatching(/split file is empty/) }]);
  });

  test('malformed XML is an error naming the file and line', () => {
    const log = new ProblemLog();
    expect(parseVocXml('<annotation><object></annotation>', 'f.xml', log)).toBeNull();
    expect(log.problems[0]).toMatchObject({ level: 'error', file: 'f.xml', object: 'line 1', message: expect.stringMatching(/malformed XML/) });
  });
});
