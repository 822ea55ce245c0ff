/**
 * Image paths that lead outside a dataset's folder (`..`, absolute paths, symbolic links) are refused by every
 * loader and by `resdet data convert`, and conversion copies images instead of hard-linking them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCoco } from '../../../datasets/detection/coco';
import { loadCsv } from '../../../datasets/detection/csv';
import { loadYolo } from '../../../datasets/detection/yolo';
import { loadVoc } from '../../../datasets/detection/voc';
import { DatasetRoot } from '../../../datasets/detection/dataset_root';
import { runCli } from '../../helpers/cli';
import { addVocImage, makeCoco, writeImage } from './fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-dataset-root-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A file outside every dataset folder of this test, standing in for /etc/passwd. */
const secret = path.join(tmp, 'secret.jpg');
beforeAll(() => writeImage(secret, 20, 20));

const refused = (messages: string[]) => messages.filter((m) => /leads outside the dataset folder/.test(m));

test('DatasetRoot: .. and absolute paths out, links followed', async () => {
  const dir = path.join(tmp, 'root');
  await writeImage(path.join(dir, 'in.jpg'), 8, 8);
  fs.symlinkSync(secret, path.join(dir, 'out-link.jpg'));
  fs.symlinkSync(path.join(dir, 'in.jpg'), path.join(dir, 'in-link.jpg'));
  fs.symlinkSync(dir, path.join(tmp, 'root-link'));
  const root = new DatasetRoot(dir);
  expect(root.resolve('in.jpg')).toBe(path.join(dir, 'in.jpg'));
  expect(root.resolve('sub/../in.jpg')).toBe(path.join(dir, 'in.jpg'));
  expect(root.resolve('missing.jpg')).toBe(path.join(dir, 'missing.jpg'));
  expect(root.resolve('in-link.jpg')).not.toBeNull();
  expect(root.resolve('../secret.jpg')).toBeNull();
  expect(root.resolve(secret)).toBeNull();
  expect(root.resolve('out-link.jpg')).toBeNull();
  expect(root.resolve('../root2/x.jpg')).toBeNull(); // a sibling whose name starts like the root
  // a root reached through a link (a dataset kept on another disk) accepts what lies inside it
  expect(new DatasetRoot(path.join(tmp, 'root-link')).resolve('in.jpg')).not.toBeNull();
});

test('COCO, VOC, CSV and YOLO refuse image paths outside their folder', async () => {
  const coco = await makeCoco(path.join(tmp, 'coco'), {
    images: [
      { id: 10, file_name: 'a.jpg', width: 64, height: 48 },
      { id: 20, file_name: '../../secret.jpg', width: 20, height: 20 },
    ],
    annotations: [],
  });
  const c = await loadCoco({ annotationFile: coco });
  expect(refused(c.problems.map((p) => p.message))).toHaveLength(1);
  expect(c.records.map((r) => r.file)).not.toContain(secret);

  const year = path.join(tmp, 'voc', 'VOC2007');
  await addVocImage(year, '000001', 30, 20, [{ name: 'dog', box: [1, 1, 10, 10] }]);
  await addVocImage(year, '000002', 30, 20, [{ name: 'dog', box: [1, 1, 10, 10] }]);
  const xml = path.join(year, 'Annotations', '000002.xml');
  fs.writeFileSync(xml, fs.readFileSync(xml, 'utf8').replace('<filename>000002.jpg</filename>', '<filename>../../../secret.jpg</filename>'));
  fs.appendFileSync(path.join(year, 'ImageSets', 'Main', 'trainval.txt'), '../../../secret\n');
  fs.writeFileSync(path.join(tmp, 'secret.xml'), fs.readFileSync(xml));
  const v = await loadVoc({ root: year, split: 'trainval', classes: ['dog'] });
  expect(refused(v.problems.map((p) => p.message))).toHaveLength(2);
  expect(v.records.map((r) => r.file)).toEqual([path.join(year, 'JPEGImages', '000001.jpg')]);

  const csvDir = path.join(tmp, 'csv');
  await writeImage(path.join(csvDir, 'a.jpg'), 30, 20);
  fs.writeFileSync(path.join(csvDir, 'boxes.csv'), `a.jpg,1,1,5,5,dog\n../secret.jpg,1,1,5,5,dog\n${secret},1,1,5,5,dog\n`);
  const s = await loadCsv({ file: path.join(csvDir, 'boxes.csv') });
  expect(refused(s.problems.map((p) => p.message))).toHaveLength(2);
  expect(s.records.map((r) => r.file)).toEqual([path.join(csvDir, 'a.jpg')]);

  const yolo = path.join(tmp, 'yolo');
  await writeImage(path.join(yolo, 'images', 'a.jpg'), 30, 20);
  fs.symlinkSync(secret, path.join(yolo, 'images', 'b.jpg'));
  fs.writeFileSync(path.join(yolo, 'classes.txt'), 'dog\n');
  const y = await loadYolo({ root: yolo });
  expect(refused(y.problems.map((p) => p.message))).toHaveLength(1);
  expect(y.records.map((r) => r.file)).toEqual([path.join(yolo, 'images', 'a.jpg')]);
});

test('resdet data convert: an escaping file_name is a dataset error (exit 2, nothing copied); images are copies, not links', async () => {
  const bad = await makeCoco(path.join(tmp, 'cli-bad'), {
    images: [{ id: 10, file_name: '../../secret.jpg', width: 20, height: 20 }],
    annotations: [],
  });
  const out = path.join(tmp, 'cli-bad-voc');
  const r = runCli(['data', 'convert', bad, '--to', 'voc', '--out', out]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/secret\.jpg.*leads outside the dataset folder/);
  expect(fs.existsSync(path.join(out, 'JPEGImages', 'secret.jpg'))).toBe(false);

  const good = await makeCoco(path.join(tmp, 'cli-good'));
  const out2 = path.join(tmp, 'cli-good-voc');
  expect(runCli(['data', 'convert', good, '--to', 'voc', '--out', out2]).code).toBe(0);
  const src = path.join(tmp, 'cli-good', 'val2017', 'a.jpg');
  const dst = path.join(out2, 'JPEGImages', 'a.jpg');
  expect(fs.statSync(dst).ino).not.toBe(fs.statSync(src).ino);
  const before = fs.readFileSync(src);
  fs.appendFileSync(dst, 'edited');
  expect(fs.readFileSync(src)).toEqual(before);
});
