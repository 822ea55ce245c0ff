/** Where drawn copies go (datasets/detection/drawn_paths.ts): unique, under the output folder, never over an input. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commonFolder, drawnPaths } from '../../../datasets/detection/drawn_paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-drawn-paths-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function touch(rel: string): string {
  const f = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, 'x');
  return f;
}

test('the common folder of the images', () => {
  expect(commonFolder(['/a/b/c/x.jpg', '/a/b/d/y.jpg'])).toBe('/a/b');
  expect(commonFolder(['/a/b/x.jpg'])).toBe('/a/b');
  expect(commonFolder(['/a/x.jpg', '/b/y.jpg'])).toBe('/');
  expect(commonFolder(['/a/bc/x.jpg', '/a/b/y.jpg'])).toBe('/a');
});

test('paths relative to the common folder, .jpg, unique when only the extension differs', () => {
  const files = ['p/a/x.jpg', 'p/b/x.jpg', 'p/a/y.png', 'p/a/y.jpg', 'p/a/y.JPEG'].map(touch);
  expect(drawnPaths(files, '/out')).toEqual(['/out/a/x.jpg', '/out/b/x.jpg', '/out/a/y.jpg', '/out/a/y-2.jpg', '/out/a/y-3.jpg']);
});

test('drawing into a folder of input images (the same folder, a parent of it, a symlink to it) is refused', () => {
  const files = ['q/x.jpg', 'q/y.png', 'q/sub/z.jpg'].map(touch);
  const q = fs.realpathSync(path.join(tmp, 'q'));
  const refused = (out: string, dir: string) => expect(() => drawnPaths(files, out)).toThrow(`${out}: drawn images would be written among the input images in ${dir}; choose another output folder`);
  refused(q, q);
  refused(path.join(q, 'sub'), path.join(q, 'sub'));
  fs.symlinkSync(q, path.join(tmp, 'link'));
  refused(path.join(tmp, 'link'), q);
  // y.png's copy would be y.jpg beside it: maybe a photo of the user's that is not an input
  expect(() => drawnPaths([files[1]], q)).toThrow(/among the input images/);
  expect(drawnPaths(files, path.join(q, 'drawn'))).toEqual(['x.jpg', 'y.jpg', 'sub/z.jpg'].map((f) => path.join(q, 'drawn', f)));
});
