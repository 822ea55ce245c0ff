import * as fs from 'fs';
import * as path from 'path';
import { checkImages, decodeCheck, ProblemLog } from '../../../datasets/detection/validate';
import { loadCoco } from '../../../datasets/detection/coco';
import { makeCoco, tmpDir, writeImage } from './fixtures';

describe('bad image files', () => {
  test('truncated JPEG and non-image files are errors naming the file; size mismatches too', async () => {
    const root = tmpDir('badimg');
    const file = await makeCoco(root);
    const dir = path.join(root, 'val2017');
    await writeImage(path.join(dir, 'big.jpg'), 400, 300);
    const full = fs.readFileSync(path.join(dir, 'big.jpg'));
    fs.writeFileSync(path.join(dir, 'a.jpg'), full.subarray(0, Math.floor(full.length / 2))); // truncated
    fs.writeFileSync(path.join(dir, 'b.jpg'), 'this is not an image');
    await writeImage(path.join(dir, 'c.jpg'), 33, 32); // annotation says 32x32
    await expect(decodeCheck(path.join(dir, 'a.jpg'))).rejects.toThrow(new RegExp(`${dir}/a.jpg: truncated or corrupt image`));
    await expect(decodeCheck(path.join(dir, 'b.jpg'))).rejects.toThrow(new RegExp(`${dir}/b.jpg: not a readable image`));
    const ds = await loadCoco({ annotationFile: file });
    const log = new ProblemLog();
    expect(await checkImages(ds, log)).toBe(3);
    const msgs = log.problems.map((p) => `${path.basename(p.file)}|${p.object}|${p.message}`).sort();
    expect(msgs).toEqual([
      expect.stringMatching(/^a\.jpg\|image a\.jpg\|truncated or corrupt image/),
      expect.stringMatching(/^b\.jpg\|image b\.jpg\|not a readable image/),
      'c.jpg|image c.jpg|is 33x32 but the annotation says 32x32',
    ]);
  });
});
