/**
 * Detections in the devkit layout: one file per class, `comp4_det_<set>_<class>.txt`, lines
 * `<image_id> <score> <xmin> <ymin> <xmax> <ymax>` in VOC's 1-based inclusive pixels. Reading checks every line
 * (wrong column counts and non-numbers name the file and line); writing takes resdet's continuous boxes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EvalInputError } from '../eval_error';
import { VocBox, VocDetection } from './voc_types';
import { safeFileName } from '../../run/safe_file_name';

/**
 * The devkit file name of a class: the image set and class name escaped by safeFileName (the 20 VOC names stay as
 * they are; Fashion-MNIST's 'T-shirt/top' is comp4_det_test_T-shirt%2Ftop.txt), so reading finds what writing wrote.
 */
export function resultsFileName(imageset: string, className: string): string {
  return `comp4_det_${safeFileName(imageset)}_${safeFileName(className)}.txt`;
}

/** Parses one results file; `file` is used in messages. */
export function parseVocResultsFile(textContent: string, className: string, file: string): VocDetection[] {
  const out: VocDetection[] = [];
  const lines = textContent.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const cols = line.split(/\s+/);
    const where = `${file}:${i + 1}`;
    if (cols.length !== 6) throw new EvalInputError(`${where}: expected 6 columns (image_id score xmin ymin xmax ymax), got ${cols.length}`);
    const nums = cols.slice(1).map(Number);
    const bad = nums.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new EvalInputError(`${where}: column ${bad + 2} must be a finite number, got '${cols[bad + 1]}'`);
    const box = nums.slice(1) as VocBox;
    if (box[2] < box[0] - 1 || box[3] < box[1] - 1) {
      throw new EvalInputError(`${where}: box has negative ${box[2] < box[0] - 1 ? 'width' : 'height'} (xmin ${box[0]}, ymin ${box[1]}, xmax ${box[2]}, ymax ${box[3]})`);
    }
    out.push({ imageId: cols[0], className, score: nums[0], box });
  }
  return out;
}

/** Reads comp4_det_<set>_<class>.txt for each class from a folder; a missing file is an error. */
export function readVocResultsDir(dir: string, imageset: string, classes: string[]): VocDetection[] {
  const out: VocDetection[] = [];
  for (const c of classes) {
    const file = path.join(dir, resultsFileName(imageset, c));
    if (!fs.existsSync(file)) throw new EvalInputError(`${file}: no results file for class '${c}' (expected one file per class: comp4_det_${safeFileName(imageset)}_<class>.txt, class names %-escaped)`);
    for (const d of parseVocResultsFile(fs.readFileSync(file, 'utf8'), c, file)) out.push(d);
  }
  return out;
}

export interface ContinuousDetection {
  imageId: string;
  className: string;
  score: number;
  /** resdet's continuous pixel box [x1, y1, x2, y2]: pixel column i spans [i, i+1). */
  box: ArrayLike<number>;
}

/**
 * Writes detections as devkit results files, one per class (empty for classes without detections), for the VOC
 * evaluation server or `resdet eval voc`. Continuous boxes become VOC's 1-based inclusive pixels as Detectron2 does
 * it (xmin = x1 + 1, ymin = y1 + 1, xmax = x2, ymax = y2); numbers are written in full so nothing is rounded away.
 */
export function writeVocResults(dir: string, imageset: string, detections: ContinuousDetection[], classes: string[]): string[] {
  const byClass = new Map<string, string[]>(classes.map((c) => [c, []]));
  for (const d of detections) {
    const lines = byClass.get(d.className);
    if (!lines) throw new EvalInputError(`detection of class '${d.className}', which is not among the classes to write (${classes.join(', ')})`);
    const b = d.box;
    lines.push(`${d.imageId} ${d.score} ${b[0] + 1} ${b[1] + 1} ${b[2]} ${b[3]}`);
  }
  fs.mkdirSync(dir, { recursive: true });
  return classes.map((c) => {
    const file = path.join(dir, resultsFileName(imageset, c));
    const lines = byClass.get(c)!;
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, lines.length ? lines.join('\n') + '\n' : ''); // whole files only: write aside, then rename
    fs.renameSync(tmp, file);
    return file;
  });
}
