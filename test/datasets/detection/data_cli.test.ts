import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../../helpers/cli';
import { addVocImage, makeCoco, tmpDir } from './fixtures';

describe('resdet data', () => {
  test('synth, check (exit 0), convert (says what was dropped), show', async () => {
    const out = tmpDir('clisynth');
    const s = runCli(['data', 'synth', '--out', out, '--images', '6', '--seed', '3', '--format', 'voc']);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/wrote 6 images, \d+ boxes as voc \(split 'train'\)/);
    const c = runCli(['data', 'check', out, '--split', 'train']);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/6 images, \d+ boxes, 4 classes/);
    expect(c.stdout).toMatch(/box sizes: small \d+ \(< 32²\), medium \d+ \(< 96²\), large \d+/);
    expect(c.stdout).toMatch(/0 error\(s\), 0 warning\(s\)/);

    const coco = await makeCoco(tmpDir('clicoco'));
    const conv = runCli(['data', 'convert', coco, '--to', 'yolo', '--out', path.join(out, 'yolo')]);
    expect(conv.code).toBe(0);
    expect(conv.stdout).toMatch(/note: 1 crowd region\(s\) dropped/);
    expect(fs.readdirSync(path.join(out, 'yolo', 'labels', 'val2017')).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);

    const show = runCli(['data', 'show', out, '--split', 'train', '--out', path.join(out, 'show'), '--limit', '2']);
    expect(show.code).toBe(0);
    expect(fs.readdirSync(path.join(out, 'show')).sort()).toEqual(['gallery', 'train_000000.jpg', 'train_000001.jpg']);
    // and the gallery of the same images: the page, its script and style, the data and two thumbnails + views
    expect(show.stdout).toContain(`gallery: ${path.join(out, 'show', 'gallery', 'index.html')}`);
    expect(fs.readdirSync(path.join(out, 'show', 'gallery')).sort()).toEqual(['data.js', 'images', 'index.html', 'report.css', 'report.js']);
    expect(fs.readdirSync(path.join(out, 'show', 'gallery', 'images'))).toHaveLength(4);
  });

  test('check: warnings only → exit 0; errors → exit 1 with file and object; bad paths and flags → exit 2', async () => {
    const year = path.join(tmpDir('clivoc'), 'VOC2007');
    await addVocImage(year, 'a', 50, 40, [{ name: 'dog', box: [1, 1, 80, 20] }]);
    const w = runCli(['data', 'check', year]);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/warning: .*a\.xml: object 1 \(dog\): box xmin=1 ymin=1 xmax=80 ymax=20 extends outside the 50x40 image/);
    expect(w.stdout).toMatch(/0 error\(s\), 1 warning\(s\)/);

    await addVocImage(year, 'b', 50, 40, [{ name: 'dragon', box: [1, 1, 20, 20] }]);
    const e = runCli(['data', 'check', year, '--no-decode']);
    expect(e.code).toBe(1);
    expect(e.stdout).toMatch(/error: .*b\.xml: object 1 \(dragon\): unknown class 'dragon' \(known classes: aeroplane, .*\)/);
    const conv = runCli(['data', 'convert', year, '--to', 'coco', '--out', path.join(year, '..', 'c')]);
    expect(conv.code).toBe(2);
    expect(conv.stderr).toMatch(/resdet: error: .*1 error\(s\) in the dataset:\n.*b\.xml: object 1 \(dragon\)/);

    expect(runCli(['data', 'check', '/nonexistent/data']).code).toBe(2);
    expect(runCli(['data', 'synth', '--out', year, '--images', '0']).code).toBe(2);
    expect(runCli(['data', 'convert', year, '--to', 'pascal', '--out', year]).code).toBe(2);
  });
});
