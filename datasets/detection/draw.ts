/**
 * Drawing boxes and labels on an image, for `resdet data show` and for looking at predictions: an SVG overlay
 * (one colour per class, label tags above the boxes; crowd regions dashed, difficult objects dotted)
 * composited onto the decoded image by sharp.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { atomicWrite } from '../../engine/atomic_write';
import { DatasetError } from '../classification/types';
import { DatasetRecord } from './record';
import { xmlEscape } from '../../run/xml_escape';

const PALETTE = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe',
  '#008080', '#e6beff', '#9a6324', '#fffac8', '#800000', '#aaffc3', '#808000', '#ffd8b1', '#000075', '#808080'];

export function classColour(label: number): string {
  return PALETTE[label % PALETTE.length];
}


export interface DrawObject {
  box: ArrayLike<number>;
  label: number;
  /** shown after the class name, e.g. a score */
  note?: string;
  crowd?: boolean;
  difficult?: boolean;
}

/** The SVG overlay for a width x height image. */
export function boxesSvg(width: number, height: number, objects: DrawObject[], classNames: string[]): string {
  const font = Math.max(10, Math.round(Math.min(width, height) / 40));
  const parts = objects.map((o) => {
    const [x1, y1, x2, y2] = Array.from(o.box);
    const c = classColour(o.label);
    const dash = o.crowd ? ' stroke-dasharray="6,4"' : o.difficult ? ' stroke-dasharray="2,3"' : '';
    const text = `${classNames[o.label] ?? o.label}${o.note ? ' ' + o.note : ''}${o.crowd ? ' (crowd)' : ''}${o.difficult ? ' (difficult)' : ''}`;
    const ty = y1 - font - 2 >= 0 ? y1 - font - 2 : y1;
    const tw = Math.ceil(text.length * font * 0.6) + 4;
    return (
      `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${c}" stroke-width="2"${dash}/>` +
      `<rect x="${x1}" y="${ty}" width="${tw}" height="${font + 2}" fill="${c}" fill-opacity="0.8"/>` +
      `<text x="${x1 + 2}" y="${ty + font - 1}" font-family="sans-serif" font-size="${font}" fill="#000">${xmlEscape(text)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Draws the objects on the image file (EXIF orientation applied) and writes outFile atomically (format from its extension; folders made). */
export async function drawBoxes(file: string, objects: DrawObject[], classNames: string[], outFile: string): Promise<void> {
  let base: sharp.Sharp;
  let meta: { width: number; height: number };
  try {
    const buf = await sharp(file).rotate().toBuffer({ resolveWithObject: true });
    base = sharp(buf.data);
    meta = { width: buf.info.width, height: buf.info.height };
  } catch (e) {
    throw new DatasetError(`cannot decode image ${file}: ${(e as Error).message}`);
  }
  const svg = Buffer.from(boxesSvg(meta.width, meta.height, objects, classNames));
  const ext = path.extname(outFile).slice(1).toLowerCase();
  const drawn = await base.composite([{ input: svg, top: 0, left: 0 }]).toFormat(ext === 'jpg' ? 'jpeg' : (ext as keyof sharp.FormatEnum)).toBuffer();
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  await atomicWrite(outFile, [drawn]);
}

/** A record's objects, ready to draw. */
export function recordObjects(r: DatasetRecord): DrawObject[] {
  return Array.from(r.labels, (label, i) => ({ box: r.boxes.subarray(4 * i, 4 * i + 4), label, crowd: !!r.crowd[i], difficult: !!r.difficult[i] }));
}
