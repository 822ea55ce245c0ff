/**
 * The report's index.html: a header, a table of contents, the sections, and the gallery, whose cards report.js
 * draws from data.js (a script, not JSON: a page opened from the file system may not fetch files). Only local
 * files are referenced, so the page works offline.
 */
import { xmlEscape as esc } from '../xml_escape';
import { Section } from './report_sections';
import { REPORT_MARKER } from './report_folder';

export interface PageOptions {
  title: string;
  /** a line under the title: what was reported on, when, by which version */
  subtitle: string;
  notes: string[];
  sections: Section[];
  /** whether the gallery shows predictions (a score-threshold slider and error sorting) or ground truth alone */
  gallery: 'predictions' | 'ground-truth' | null;
  galleryNote: string;
}

function galleryHtml(kind: 'predictions' | 'ground-truth', note: string): string {
  const predictions = kind === 'predictions';
  const sorts = predictions
    ? '<option value="errors">most errors first</option><option value="file">file order</option><option value="objects">most objects first</option>'
    : '<option value="file">file order</option><option value="objects">most objects first</option>';
  const slider = predictions
    ? '<label>score ≥ <input id="threshold" type="range" min="0" max="1" step="0.05" value="0.5"> <output id="threshold-value">0.50</output></label>'
    : '';
  const legend = predictions
    ? '<span class="key gt">ground truth</span><span class="key pred">prediction</span><span class="key fp">false positive</span><span class="key missed">missed</span>'
    : '<span class="key gt">ground truth</span>';
  return (
    `<section id="gallery"><h2>Gallery</h2><p>${note}</p>` +
    `<div class="controls">${slider}<label>sort <select id="sort">${sorts}</select></label>` +
    '<label>class <select id="class-filter"><option value="-1">all</option></select></label>' +
    `<span id="gallery-count"></span><span class="legend">${legend}</span></div>` +
    '<div id="cards" class="cards"></div></section>' +
    '<div id="viewer" class="viewer" hidden><div class="viewer-body"><button id="viewer-close" aria-label="close">×</button><div id="viewer-image" class="frame"></div><div id="viewer-text"></div></div></div>'
  );
}

export function reportPage(o: PageOptions): string {
  const toc = [...o.sections.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`), ...(o.gallery ? ['<a href="#gallery">Gallery</a>'] : [])];
  const notes = o.notes.length ? `<ul class="notes">${o.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  const body = o.sections.map((s) => `<section id="${s.id}"><h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join('\n');
  return [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${REPORT_MARKER}`,
    `<title>${esc(o.title)}</title><link rel="stylesheet" href="report.css"></head>`,
    `<body><header><h1>${esc(o.title)}</h1><p>${esc(o.subtitle)}</p>${notes}<nav>${toc.join(' · ')}</nav></header>`,
    '<main>',
    body,
    o.gallery ? galleryHtml(o.gallery, o.galleryNote) : '',
    '</main>',
    o.gallery ? '<script src="data.js"></script><script src="report.js"></script>' : '',
    '</body></html>',
    '',
  ].join('\n');
}
