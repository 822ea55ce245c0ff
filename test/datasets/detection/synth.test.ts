import * as fs from 'fs';
import * as path from 'path';
import { SHAPE_CLASSES, synthShapes } from '../../../datasets/detection/synth';
import { synthFashionMnist } from '../../../datasets/detection/synth_fashion_mnist';
import { openDetectionDataset } from '../../../datasets/detection/detect_format';
import { summarize } from '../../../datasets/detection/summary';
import { runCli } from '../../helpers/cli';
import { requires } from '../../helpers/requirements';
import { tmpDir } from './fixtures';

const json = (dir: string, split = 'train') => fs.readFileSync(path.join(dir, 'annotations', `instances_${split}.json`), 'utf8');

describe('synthetic shapes', () => {
  test('same seed → identical annotations and images; different seed → different; class ids fixed', async () => {
    const [a, b, c] = [tmpDir('syA'), tmpDir('syB'), tmpDir('syC')];
    // generated through the built CLI: the renderer runs ~20x slower inside jest's module sandbox than in node
    const synth = (args: string[]) => expect(runCli(['data', 'synth', ...args]).code).toBe(0);
    synth(['--out', a, '--images', '8', '--seed', '7']);
    synth(['--out', b, '--images', '8', '--seed', '7']);
    synth(['--out', c, '--images', '8', '--seed', '8']);
    expect(json(a)).toBe(json(b));
    expect(fs.readFileSync(path.join(a, 'train', 'train_000003.jpg')).equals(fs.readFileSync(path.join(b, 'train', 'train_000003.jpg')))).toBe(true);
    expect(json(c)).not.toBe(json(a));
    for (const d of [a, c]) {
      expect(JSON.parse(json(d)).categories).toEqual(SHAPE_CLASSES.map((name, i) => ({ id: i + 1, name, supercategory: 'none' })));
    }
    const ds = await openDetectionDataset(a);
    expect(ds.problems).toEqual([]);
    const s = summarize(ds);
    expect(s.sizes.small).toBeGreaterThan(0);
    expect(s.sizes.medium).toBeGreaterThan(0);
    expect(s.sizes.large).toBeGreaterThan(0);
    expect(s.boxesPerImage.max).toBeGreaterThan(2);
    expect(s.perClass.every((k) => k.boxes > 0)).toBe(true);
    // image i depends only on (seed, split, i)
    const fewer = tmpDir('syD');
    await synthShapes({ out: fewer, images: 2, seed: 7 }); // in-process gives the same as the CLI
    expect(JSON.parse(json(fewer)).annotations).toEqual(JSON.parse(json(a)).annotations.filter((x: { image_id: number }) => x.image_id <= 2));
    // val differs from train with the same seed; VOC layout loads with the same classes
    const v = tmpDir('syV');
    synth(['--out', v, '--images', '3', '--seed', '7', '--format', 'voc', '--split', 'val']);
    const vds = await openDetectionDataset(v, { split: 'val' });
    expect(vds.classes.names).toEqual(SHAPE_CLASSES);
    expect(vds.records.map((r) => Array.from(r.boxes))).not.toEqual(ds.records.slice(0, 3).map((r) => Array.from(r.boxes)));
  });

  requires('fashion-mnist').test('Fashion-MNIST canvases: 160x160, 10 classes, train and val from different item splits', async () => {
    const t = tmpDir('fmT');
    await synthFashionMnist({ out: t, images: 4, seed: 1 });
    await synthFashionMnist({ out: t, images: 4, seed: 1, split: 'val' });
    const train = await openDetectionDataset(t, { split: 'train' });
    const val = await openDetectionDataset(t, { split: 'val' });
    expect(train.classes.names).toHaveLength(10);
    expect(train.classes.categoryIds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(train.records.every((r) => r.width === 160 && r.height === 160 && r.labels.length >= 1)).toBe(true);
    expect(train.problems.concat(val.problems)).toEqual([]);
    expect(json(t, 'val')).not.toBe(json(t, 'train'));
  });
});
