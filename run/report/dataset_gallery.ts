/**
 * `resdet data show`'s gallery: a dataset's ground truth alone, on the report's page (the check to make when "AP
 * is always 0": are the boxes where the objects are, with the right class names?). Written to its own folder.
 */
import * as path from 'path';
import { atomicWrite } from '../../engine/atomic_write';
import { DatasetRecord } from '../../datasets/detection/record';
import { xmlEscape as esc } from '../xml_escape';
import { GalleryImage } from './gallery';
import { writeGalleryData } from './gallery_data';
import { prepareReportFolder } from './report_folder';
import { reportPage } from './report_page';
import { copyReportAssets } from './write_report';

function galleryImage(r: DatasetRecord): GalleryImage {
  const gt = Array.from(r.labels, (label, i) => {
    const [x1, y1, x2, y2] = r.boxes.subarray(4 * i, 4 * i + 4);
    return [x1, y1, x2 - x1, y2 - y1, label, -1, r.crowd[i]];
  });
  return { file: r.file, imageId: r.imageId, width: r.width, height: r.height, gt, dets: [] };
}

function classTable(records: DatasetRecord[], classes: string[]): string {
  const boxes = new Array<number>(classes.length).fill(0);
  const images = new Array<number>(classes.length).fill(0);
  for (const r of records) {
    for (const l of r.labels) boxes[l]++;
    for (const l of new Set(r.labels)) images[l]++;
  }
  const rows = classes.map((n, k) => `<tr><td>${esc(n)}</td><td>${boxes[k]}</td><td>${images[k]}</td></tr>`).join('\n');
  return `<table><thead><tr><th>class</th><th>boxes</th><th>images</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/** Writes the gallery of `records` into `out`; returns index.html and the images that could not be read. */
export async function writeDatasetGallery(dataset: string, records: DatasetRecord[], classes: string[], out: string, opts: { quiet?: boolean } = {}): Promise<{ index: string; problems: string[] }> {
  prepareReportFolder(out);
  const problems = await writeGalleryData(out, { kind: 'ground-truth', classes, threshold: 0, images: records.map(galleryImage) }, opts);
  await copyReportAssets(out);
  const index = path.join(out, 'index.html');
  const page = reportPage({
    title: `resdet data show: ${path.basename(path.resolve(dataset))}`,
    subtitle: `${path.resolve(dataset)}: ${records.length} image(s) with their ground-truth boxes`,
    notes: problems.length ? [`${problems.length} image(s) could not be read (first: ${problems[0]})`] : [],
    sections: [{ id: 'classes', title: 'Classes in these images', html: classTable(records, classes) }],
    gallery: 'ground-truth',
    galleryNote: 'Ground truth only: check that every box sits on its object and carries the right class (crowd regions dotted). Click an image to see it larger with labels.',
  });
  await atomicWrite(index, [Buffer.from(page)]);
  return { index, problems };
}
