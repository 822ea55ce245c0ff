/**
 * Every chart resdet draws: a vega-lite 5 spec compiled to a vega view, rendered to SVG in Node (renderer 'none',
 * no canvas), and turned into PNG by sharp at 144 dpi (twice the spec's size in pixels) on a white background.
 * Without a canvas vega overestimates the width of text and leaves blank space around long labels and titles:
 * the PNG is trimmed to what is drawn, plus a margin.
 */
import sharp from 'sharp';
import { atomicWrite } from '../engine/atomic_write';
// vega 5 is CommonJS; its typings are not needed for the calls made here
// eslint-disable-next-line @typescript-eslint/no-var-requires
const vega = require('vega');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const vegaLite = require('vega-lite');

/** The chart as an SVG string (vega escapes every text it draws). */
export async function chartSvg(vegaLiteSpec: object): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(vegaLiteSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WHITE = '#ffffff';
/** pixels of white around what is drawn */
const MARGIN = 16;

export async function chartPng(vegaLiteSpec: object): Promise<Buffer> {
  const svg = await chartSvg(vegaLiteSpec);
  const flat = await sharp(Buffer.from(svg), { density: 144 }).flatten({ background: WHITE }).png().toBuffer();
  return sharp(flat).trim({ background: WHITE }).extend({ top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN, background: WHITE }).png().toBuffer();
}

/** Writes the chart as PNG atomically (a reader sees the old file or the new one). */
export async function writeChartPng(vegaLiteSpec: object, file: string): Promise<void> {
  await atomicWrite(file, [await chartPng(vegaLiteSpec)]);
}
