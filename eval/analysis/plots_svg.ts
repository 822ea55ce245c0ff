/** The analysis plots as SVG: precision–recall curves of one class, and the confusion matrix as a heat map. */
import { ConfusionMatrix } from './confusion';
import { xmlEscape } from '../../run/xml_escape';

const FONT = 'font-family="sans-serif"';
const COLORS = ['#c33', '#36c', '#393', '#c93', '#939'];

export interface PrSeries {
  label: string;
  recall: number[];
  precision: number[];
}

export function prCurveSvg(title: string, series: PrSeries[], width = 480, height = 400): string {
  const pad = 50;
  const x = (r: number) => pad + (width - 2 * pad) * r;
  const y = (p: number) => height - pad - (height - 2 * pad) * p;
  const grid = [0, 0.2, 0.4, 0.6, 0.8, 1].map(
    (v) =>
      `<line x1="${x(0)}" x2="${x(1)}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><line x1="${x(v)}" x2="${x(v)}" y1="${y(0)}" y2="${y(1)}" stroke="#ddd"/>` +
      `<text x="${pad - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" ${FONT}>${v.toFixed(1)}</text>` +
      `<text x="${x(v)}" y="${height - pad + 16}" font-size="11" text-anchor="middle" ${FONT}>${v.toFixed(1)}</text>`,
  );
  const lines = series.map((s, i) => {
    const pts = s.recall.map((r, j) => `${x(r).toFixed(1)},${y(Math.max(0, s.precision[j])).toFixed(1)}`).join(' ');
    const c = COLORS[i % COLORS.length];
    return `<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>` +
      `<line x1="${width - pad - 150}" x2="${width - pad - 130}" y1="${pad + 14 + 16 * i}" y2="${pad + 14 + 16 * i}" stroke="${c}" stroke-width="2"/>` +
      `<text x="${width - pad - 125}" y="${pad + 18 + 16 * i}" font-size="11" ${FONT}>${xmlEscape(s.label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${grid.join('')}` +
    `<rect x="${x(0)}" y="${y(1)}" width="${x(1) - x(0)}" height="${y(0) - y(1)}" fill="none" stroke="#888"/>${lines.join('')}` +
    `<text x="${width / 2}" y="22" font-size="14" text-anchor="middle" ${FONT}>${xmlEscape(title)}</text>` +
    `<text x="${width / 2}" y="${height - 12}" font-size="12" text-anchor="middle" ${FONT}>recall</text>` +
    `<text x="14" y="${height / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${height / 2})" ${FONT}>precision</text></svg>`;
}

/** Rows predicted, columns true; cell shade by the share of its column (its true class). */
export function confusionSvg(cm: ConfusionMatrix): string {
  const n = cm.labels.length;
  const cell = Math.max(28, Math.min(60, Math.floor(640 / n)));
  const left = 130;
  const top = 130;
  const width = left + n * cell + 20;
  const height = top + n * cell + 40;
  const colSum = cm.labels.map((_, j) => cm.matrix.reduce((s, row) => s + row[j], 0));
  const cells: string[] = [];
  cm.matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      const share = colSum[j] ? v / colSum[j] : 0;
      const shade = Math.round(255 - 200 * share);
      cells.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#999"/>` +
          `<text x="${left + (j + 0.5) * cell}" y="${top + (i + 0.5) * cell + 4}" font-size="11" text-anchor="middle" ${FONT}>${v}</text>`,
      );
    }),
  );
  const labels = cm.labels.map(
    (l, i) =>
      `<text x="${left - 6}" y="${top + (i + 0.5) * cell + 4}" font-size="11" text-anchor="end" ${FONT}>${xmlEscape(l)}</text>` +
      `<text x="${left + (i + 0.5) * cell}" y="${top - 6}" font-size="11" transform="rotate(-45 ${left + (i + 0.5) * cell} ${top - 6})" ${FONT}>${xmlEscape(l)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${cells.join('')}${labels.join('')}` +
    `<text x="10" y="20" font-size="13" ${FONT}>confusion at score ≥ ${cm.scoreThreshold}, IoU ≥ ${cm.iouThreshold}</text>` +
    `<text x="10" y="38" font-size="11" ${FONT}>rows: predicted · columns: true</text></svg>`;
}
