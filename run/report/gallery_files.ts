/**
 * The gallery's image files: a thumbnail (at most 320 px a side) and a larger view (at most 1024 px) per image,
 * JPEG, EXIF orientation applied, named by position (images/000001.jpg, images/000001-view.jpg) so that no
 * dataset file name can collide or escape the folder. An image that cannot be read gets no files and a note.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { atomicWrite } from '../../engine/atomic_write';

export const THUMB_SIDE = 320;
export const VIEW_SIDE = 1024;

export interface ImageFiles {
  /** paths relative to the report folder; null when the image could not be read */
  thumb: string | null;
  view: string | null;
  problem?: string;
}

async function jpeg(file: string, side: number): Promise<Buffer> {
  return sharp(file).rotate().flatten({ background: '#ffffff' }).resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
}

export async function writeImageFiles(file: string, index: number, reportDir: string): Promise<ImageFiles> {
  const stem = `images/${String(index + 1).padStart(6, '0')}`;
  let thumb: Buffer, view: Buffer;
  try {
    thumb = await jpeg(file, THUMB_SIDE);
    view = await jpeg(file, VIEW_SIDE);
  } catch (e) {
    return { thumb: null, view: null, problem: `cannot read ${file}: ${(e as Error).message.split('\n')[0]}` };
  }
  fs.mkdirSync(path.join(reportDir, 'images'), { recursive: true });
  await atomicWrite(path.join(reportDir, `${stem}.jpg`), [thumb]);
  await atomicWrite(path.join(reportDir, `${stem}-view.jpg`), [view]);
  return { thumb: `${stem}.jpg`, view: `${stem}-view.jpg` };
}
