/** A loss curve from a run's JSON-lines log, drawn as SVG and written as PNG with sharp (for reports). */
import sharp from 'sharp';
import { JsonlLog } from './jsonl_log';

export function lossCurveSvg(points: Array<{ step: number; loss: number }>, title: string, width = 640, height = 320): string {
  const pad = 48;
  const maxStep = Math.max(1, ...points.map((p) => p.step));
  const maxLoss = Math.max(1e-6, ...points.map((p) => p.loss));
  const x = (s: number) => pad + ((width - 2 * pad) * s) / maxStep;
  const y = (l: number) => height - pad - ((height - 2 * pad) * l) / maxLoss;
  // a running mean over 10 steps makes the trend readable
  const smooth = points.map((p, i) => {
    const w = points.slice(Math.max(0, i - 9), i + 1);
    return { step: p.step, loss: w.reduce((s, q) => s + q.loss, 0) / w.length };
  });
  const path = (ps: typeof points) => ps.map((p, i) => `${i ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const l = maxLoss * f;
    return `<text x="${pad - 6}" y="${y(l) + 4}" font-size="11" text-anchor="end" font-family="sans-serif">${l.toFixed(2)}</text><line x1="${pad}" x2="${width - pad}" y1="${y(l)}" y2="${y(l)}" stroke="#ddd"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${ticks.join('')}` +
    `<path d="${path(points)}" fill="none" stroke="#9ab" stroke-width="1"/><path d="${path(smooth)}" fill="none" stroke="#c33" stroke-width="2"/>` +
    `<text x="${width / 2}" y="20" font-size="14" text-anchor="middle" font-family="sans-serif">${title}</text>` +
    `<text x="${width / 2}" y="${height - 12}" font-size="11" text-anchor="middle" font-family="sans-serif">iteration (max ${maxStep})</text></svg>`;
}

export async function writeLossCurve(logFile: string, pngFile: string, title = 'training loss'): Promise<void> {
  const points = JsonlLog.read(logFile)
    .filter((r) => r.type === 'train' && typeof r.loss === 'number')
    .map((r) => ({ step: r.step as number, loss: r.loss as number }));
  await sharp(Buffer.from(lossCurveSvg(points, title))).png().toFile(pngFile);
}
