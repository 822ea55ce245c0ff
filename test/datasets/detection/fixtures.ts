/** Small detection datasets made on the fly in a temporary folder, for the loader and CLI tests. */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { tempDir } from '../../helpers/temp_dir';

export function tmpDir(tag: string): string {
  return tempDir(tag);
}

/** A solid-colour JPEG (or PNG by extension) of the given size. */
export async function writeImage(file: string, width: number, height: number, colour: [number, number, number] = [120, 60, 30]): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } } }).toFile(file);
}

export interface VocObject {
  name: string;
  box?: [number | string, number | string, number | string, number | string];
  difficult?: boolean;
}

export function vocXmlText(file: string, width: number, height: number, objects: VocObject[]): string {
  const objs = objects
    .map((o) => {
      const bb = o.box ? `<bndbox><xmin>${o.box[0]}</xmin><ymin>${o.box[1]}</ymin><xmax>${o.box[2]}</xmax><ymax>${o.box[3]}</ymax></bndbox>` : '';
      return `<object><name>${o.name}</name><difficult>${o.difficult ? 1 : 0}</difficult>${bb}</object>`;
    })
    .join('');
  return `<annotation><filename>${file}</filename><size><width>${width}</width><height>${height}</height><depth>3</depth></size>${objs}</annotation>`;
}

/** Writes one VOC image + annotation into a year folder and appends its id to the split files. */
export async function addVocImage(yearDir: string, id: string, width: number, height: number, objects: VocObject[], splits: string[] = ['trainval']): Promise<void> {
  await writeImage(path.join(yearDir, 'JPEGImages', `${id}.jpg`), width, height);
  fs.mkdirSync(path.join(yearDir, 'Annotations'), { recursive: true });
  fs.writeFileSync(path.join(yearDir, 'Annotations', `${id}.xml`), vocXmlText(`${id}.jpg`, width, height, objects));
  fs.mkdirSync(path.join(yearDir, 'ImageSets', 'Main'), { recursive: true });
  for (const s of splits) fs.appendFileSync(path.join(yearDir, 'ImageSets', 'Main', `${s}.txt`), `${id}\n`);
}

/** A good two-year VOCdevkit: 2007 has 2 images, 2012 has 1. */
export async function makeVocDevkit(root: string): Promise<string> {
  const devkit = path.join(root, 'VOCdevkit');
  await addVocImage(path.join(devkit, 'VOC2007'), '000001', 100, 80, [
    { name: 'dog', box: [1, 1, 50, 40] },
    { name: 'person', box: [10, 20, 100, 80], difficult: true },
  ]);
  await addVocImage(path.join(devkit, 'VOC2007'), '000002', 60, 90, [{ name: 'cat', box: [5, 6, 30, 60] }], ['test']);
  await addVocImage(path.join(devkit, 'VOC2012'), '2008_000001', 120, 100, [{ name: 'car', box: [2, 3, 119, 100] }]);
  return devkit;
}

export interface CocoFixture {
  images: object[];
  annotations: object[];
  categories: object[];
}

/** A COCO dataset with non-contiguous category ids (1, 3, 7), a crowd region and an image without boxes. */
export async function makeCoco(root: string, override?: Partial<CocoFixture>): Promise<string> {
  const imgDir = path.join(root, 'val2017');
  await writeImage(path.join(imgDir, 'a.jpg'), 64, 48);
  await writeImage(path.join(imgDir, 'b.jpg'), 40, 50);
  await writeImage(path.join(imgDir, 'c.jpg'), 32, 32);
  const json: CocoFixture = {
    images: [
      { id: 10, file_name: 'a.jpg', width: 64, height: 48 },
      { id: 20, file_name: 'b.jpg', width: 40, height: 50 },
      { id: 30, file_name: 'c.jpg', width: 32, height: 32 },
    ],
    annotations: [
      { id: 1, image_id: 10, category_id: 7, bbox: [1.5, 2.25, 10, 20], area: 150, iscrowd: 0 },
      { id: 2, image_id: 10, category_id: 1, bbox: [20, 5, 30, 30], area: 900, iscrowd: 0 },
      { id: 3, image_id: 20, category_id: 3, bbox: [0, 0, 40, 50], area: 1500, iscrowd: 1 },
    ],
    categories: [
      { id: 7, name: 'zebra' },
      { id: 1, name: 'person' },
      { id: 3, name: 'car' },
    ],
    ...override,
  };
  const file = path.join(root, 'annotations', 'instances_val2017.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(json, null, 1));
  return file;
}
