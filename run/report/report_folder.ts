/**
 * The folder a report is written into: new, empty, or an earlier resdet report (whose images and plots are
 * removed first, so that a shorter gallery leaves none of the old behind). Any other folder with files in it is
 * refused: a report never writes over a user's files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ReportError } from './report_error';

export const REPORT_MARKER = '<meta name="generator" content="resdet report">';

function isReport(dir: string): boolean {
  const index = path.join(dir, 'index.html');
  return fs.existsSync(index) && fs.readFileSync(index, 'utf8').includes(REPORT_MARKER);
}

export function prepareReportFolder(out: string): void {
  if (fs.existsSync(out)) {
    if (!fs.statSync(out).isDirectory()) throw new ReportError(`${out}: exists and is not a folder (the report is a folder: index.html and its files)`);
    const files = fs.readdirSync(out);
    if (files.length && !isReport(out)) throw new ReportError(`${out}: holds files that are not a resdet report (${files.slice(0, 3).join(', ')}): choose another --out`);
    for (const sub of ['images', 'plots']) fs.rmSync(path.join(out, sub), { recursive: true, force: true });
  }
  fs.mkdirSync(out, { recursive: true });
}
