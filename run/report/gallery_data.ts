/**
 * The gallery's files in a report folder: the image files (gallery_files.ts) and data.js, the script that hands
 * report.js the images, their boxes and the class names (window.RESDET_REPORT).
 */
import * as path from 'path';
import { atomicWrite } from '../../engine/atomic_write';
import { GalleryImage } from './gallery';
import { writeImageFiles } from './gallery_files';
import { Progress } from '../progress';

/** Class colours of the page: no red, which marks errors (false positives, missed boxes). */
const PALETTE = ['#2ca02c', '#1f77b4', '#ff9f0e', '#9467bd', '#17becf', '#bcbd22', '#8c564b', '#e377c2', '#7f7f7f', '#0b5d1e',
  '#6baed6', '#fdd835', '#5e35b1', '#00897b', '#a1887f', '#f06292', '#37474f', '#aed581', '#ffb74d', '#4dd0e1'];

export interface GalleryData {
  kind: 'predictions' | 'ground-truth';
  classes: string[];
  /** the slider's first position */
  threshold: number;
  images: GalleryImage[];
}

/** Writes the images and data.js; returns the problems met (unreadable images: shown as missing on the page). */
export async function writeGalleryData(out: string, g: GalleryData, opts: { quiet?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  const bar = new Progress('report images', g.images.length, !!opts.quiet);
  const entries = [];
  for (const [i, im] of g.images.entries()) {
    const files = await writeImageFiles(im.file, i, out);
    if (files.problem) problems.push(files.problem);
    entries.push({ name: path.basename(im.file), w: im.width, h: im.height, thumb: files.thumb, view: files.view, problem: files.problem, gt: im.gt, dets: im.dets });
    bar.update(i + 1);
  }
  bar.stop();
  const data = { kind: g.kind, classes: g.classes, colours: PALETTE, threshold: g.threshold, images: entries };
  await atomicWrite(path.join(out, 'data.js'), [Buffer.from(`window.RESDET_REPORT = ${JSON.stringify(data)};\n`)]);
  return problems;
}
