/**
 * The report's HTML sections, each from data already computed (metrics, the analysis, the log): plain tables and
 * images, every text escaped. A section with nothing to show is left out.
 */
import { CocoAnalysis } from '../../eval/analysis/coco_analysis';
import { ConfusionMatrix } from '../../eval/analysis/confusion';
import { ERROR_TYPES } from '../../eval/analysis/error_breakdown';
import { xmlEscape as esc } from '../xml_escape';

export interface Section {
  id: string;
  title: string;
  html: string;
}

const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : esc(String(v)));
const ap = (v: number): string => (v < 0 ? '–' : v.toFixed(3));

function table(head: string[], rows: string[][], cls = ''): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

/** Every scalar of the metrics files, one row each. */
export function metricsSection(sets: Array<{ title: string; values: Record<string, unknown> }>): Section | null {
  const parts = sets
    .filter((s) => Object.keys(s.values).length)
    .map((s) => {
      const rows = Object.entries(s.values)
        .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
        .map(([k, v]) => [esc(k), fmt(v)]);
      return `<h3>${esc(s.title)}</h3>` + table(['metric', 'value'], rows, 'metrics');
    });
  return parts.length ? { id: 'metrics', title: 'Metrics', html: parts.join('\n') } : null;
}

/** The evaluations logged during training (type "eval"), one row per step. */
export function evalHistorySection(records: Array<Record<string, unknown>>): Section | null {
  const evals = records.filter((r) => r.type === 'eval' && typeof r.step === 'number');
  if (!evals.length) return null;
  const keys = ['voc07_map50', 'coco_ap', 'coco_ap50', 'coco_ap75', 'top1', 'error', 'loss'].filter((k) => evals.some((e) => typeof e[k] === 'number'));
  const rows = evals.map((e) => [String(e.step), ...keys.map((k) => (typeof e[k] === 'number' ? (e[k] as number).toFixed(4) : '–'))]);
  return { id: 'history', title: 'Evaluations during training', html: table(['step', ...keys.map(esc)], rows) };
}

export function imageSection(id: string, title: string, src: string, caption: string): Section {
  return { id, title, html: `<figure><img src="${esc(src)}" alt="${esc(title)}"><figcaption>${caption}</figcaption></figure>` };
}

export function prCurvesSection(files: Array<{ file: string; title: string }>): Section | null {
  if (!files.length) return null;
  const figs = files.map((f) => `<figure><img src="${esc(f.file)}" alt="PR curve: ${esc(f.title)}" loading="lazy"><figcaption>${esc(f.title)}</figcaption></figure>`);
  return {
    id: 'pr',
    title: 'Precision–recall curves',
    html: `<p>Per class, at IoU 0.5 and 0.75: COCO's 101-point interpolated precision, with each class's AP in the legend.</p><div class="grid">${figs.join('\n')}</div>`,
  };
}

/** The confusion matrix as a table, cells shaded by their share of the column (the true class). */
export function confusionSection(c: ConfusionMatrix): Section {
  const colSums = c.labels.map((_, j) => c.matrix.reduce((s, row) => s + row[j], 0));
  const head = ['predicted ↓ / true →', ...c.labels.map(esc)];
  const rows = c.matrix.map((row, i) => [
    `<th>${esc(c.labels[i])}</th>`,
    ...row.map((v, j) => {
      const share = colSums[j] ? v / colSums[j] : 0;
      const diag = i === j && i < c.labels.length - 1;
      return `<span class="cell ${diag ? 'diag' : 'off'}" style="--share:${share.toFixed(3)}">${v}</span>`;
    }),
  ]);
  const body = rows.map((r) => `<tr>${r.map((x, k) => (k === 0 ? x : `<td>${x}</td>`)).join('')}</tr>`).join('\n');
  return {
    id: 'confusion',
    title: 'Confusion matrix',
    html:
      `<p>Detections scoring at least ${c.scoreThreshold} matched to ground truth at IoU ≥ ${c.iouThreshold}: a detection on a box of another class counts in that class's column; ` +
      'an unmatched detection is in the background column, a missed box in the background row.</p>' +
      `<table class="confusion"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>\n${body}\n</tbody></table>`,
  };
}

export function errorSection(a: CocoAnalysis): Section {
  const e = a.errors;
  const rows = ERROR_TYPES.map((t) => [t, String(e.errors[t].count), e.errors[t].fixedAp50.toFixed(3), `+${e.errors[t].deltaAp50.toFixed(3)}`]);
  return {
    id: 'errors',
    title: 'Error breakdown',
    html:
      `<p>In the manner of TIDE (Bolya et al., 2020): each unmatched detection gets one error type (foreground IoU ${e.foregroundIou}, background IoU ${e.backgroundIou}); ` +
      `fixing that type alone and evaluating again gives the AP50 it costs. AP50 as it is: <b>${e.ap50.toFixed(3)}</b>.</p>` +
      table(['error type', 'count', 'AP50 with it fixed', 'AP50 it costs'], rows),
  };
}

export function sizeSection(a: CocoAnalysis): Section {
  const rows = a.apBySize.map((c) => [esc(c.name), ap(c.ap), ap(c.small), ap(c.medium), ap(c.large)]);
  return { id: 'sizes', title: 'AP by class and object size', html: `<p>COCO AP@[.5:.95]; small < 32², large > 96² pixels; – where a class has no box of that size.</p>` + table(['class', 'AP', 'small', 'medium', 'large'], rows) };
}

export function configSection(file: string, text: string): Section {
  return { id: 'config', title: 'Config', html: `<details><summary>${esc(file)}</summary><pre>${esc(text)}</pre></details>` };
}
