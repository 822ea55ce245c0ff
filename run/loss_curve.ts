/**
 * A loss curve from a run's JSON-lines log, drawn as SVG and written as PNG with sharp (for reports): the training
 * loss of every step (thin) and its running mean (thick), and the validation loss of the `val` records (dots
 * joined by a line, in another colour, with a legend) when the run logged any.
 */
import sharp from 'sharp';
import { JsonlLog } from './jsonl_log';
import { atomicWrite } from '../engine/atomic_write';

export interface LossPoint {
  step: number;
  loss: number;
}

const TRAIN = '#c33';
const VAL = '#26a';

/** The legend's entries at the top right: a short line in each colour and its name. */
function legend(entries: Array<[string, string]>, width: number, pad: number): string {
  return entries
    .map(([colour, name], i) => {
      const y = pad + 4 + 16 * i;
      const x = width - pad - 130;
      return `<line x1="${x}" x2="${x + 20}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2"/>` +
        `<text x="${x + 26}" y="${y + 4}" font-size="11" font-family="sans-serif">${name}</text>`;
    })
    .join('');
}

export function lossCurveSvg(points: LossPoint[], title: string, width = 640, height = 320, val: LossPoint[] = []): string {
  const pad = 48;
  const maxStep = Math.max(1, ...points.map((p) => p.step), ...val.map((p) => p.step));
  const maxLoss = Math.max(1e-6, ...points.map((p) => p.loss), ...val.map((p) => p.loss));
  const x = (s: number) => pad + ((width - 2 * pad) * s) / maxStep;
  const y = (l: number) => height - pad - ((height - 2 * pad) * l) / maxLoss;
  // a running mean over 10 steps makes the trend readable
  const smooth = points.map((p, i) => {
    const w = points.slice(Math.max(0, i - 9), i + 1);
    return { step: p.step, loss: w.reduce((s, q) => s + q.loss, 0) / w.length };
  });
  const path = (ps: LossPoint[]) => ps.map((p, i) => `${i ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const l = maxLoss * f;
    return `<text x="${pad - 6}" y="${y(l) + 4}" font-size="11" text-anchor="end" font-family="sans-serif">${l.toFixed(2)}</text><line x1="${pad}" x2="${width - pad}" y1="${y(l)}" y2="${y(l)}" stroke="#ddd"/>`;
  });
  const valMarks = val.length
    ? `<path d="${path(val)}" fill="none" stroke="${VAL}" stroke-width="2"/>` +
      val.map((p) => `<circle cx="${x(p.step).toFixed(1)}" cy="${y(p.loss).toFixed(1)}" r="3" fill="${VAL}"/>`).join('') +
      legend([[TRAIN, 'training (mean of 10)'], [VAL, 'validation']], width, pad)
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${ticks.join('')}` +
    `<path d="${path(points)}" fill="none" stroke="#9ab" stroke-width="1"/><path d="${path(smooth)}" fill="none" stroke="${TRAIN}" stroke-width="2"/>${valMarks}` +
    `<text x="${width / 2}" y="20" font-size="14" text-anchor="middle" font-family="sans-serif">${title}</text>` +
    `<text x="${width / 2}" y="${height - 12}" font-size="11" text-anchor="middle" font-family="sans-serif">iteration (max ${maxStep})</text></svg>`;
}

/** The `loss` of the log's records of `type` ('train' or 'val'), in order. */
export function lossPoints(records: Array<Record<string, unknown>>, type: 'train' | 'val'): LossPoint[] {
  return records.filter((r) => r.type === type && typeof r.loss === 'number').map((r) => ({ step: r.step as number, loss: r.loss as number }));
}

export async function writeLossCurve(logFile: string, pngFile: string, title = 'training loss'): Promise<void> {
  const records = JsonlLog.read(logFile);
  const svg = lossCurveSvg(lossPoints(records, 'train'), title, 640, 320, lossPoints(records, 'val'));
  await atomicWrite(pngFile, [await sharp(Buffer.from(svg)).png().toBuffer()]);
}
