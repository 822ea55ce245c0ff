/**
 * `resdet export --format web`: a folder that shows a detector in the browser — the ONNX model (the same graph
 * as `--format onnx`), `model.json` (class map and test transform), `index.html` + `detect.js`, and
 * onnxruntime-web's script and WebAssembly files copied from its npm package (no CDN). Served by any static
 * server (`resdet serve DIR`, `npx http-server DIR`); browsers do not run WebAssembly from file:// pages.
 */
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../../engine/atomic_write';
import { readMetadata } from '../onnx/model_proto';
import { OnnxExportError } from '../onnx/export_error';
import { detectorInfoFromMetadata } from '../detector/detector_metadata';
import { pageHtml } from './page_html';
import { PAGE_SCRIPT } from './page_script';

/** onnxruntime-web's files the page loads: the wasm build's script, its WebAssembly and that's loader. */
export const ORT_WEB_FILES = ['ort.wasm.min.js', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];

/** onnxruntime-web's dist folder, found as node finds the package (its exports map hides package.json). */
function ortWebDist(): string {
  for (const dir of require.resolve.paths('onnxruntime-web') ?? []) {
    const dist = path.join(dir, 'onnxruntime-web', 'dist');
    if (ORT_WEB_FILES.every((f) => fs.existsSync(path.join(dist, f)))) return dist;
  }
  throw new OnnxExportError(`onnxruntime-web is not installed (npm ci installs it): the web page needs its files ${ORT_WEB_FILES.join(', ')}`);
}

/** Writes the page folder for an exported detector's bytes; returns the files written. */
export async function writeWebExport(bytes: Uint8Array, dir: string, source: string): Promise<string[]> {
  const info = detectorInfoFromMetadata(readMetadata(bytes), source);
  const dist = ortWebDist();
  await fs.promises.mkdir(dir, { recursive: true });
  const title = `resdet detector: ${info.classes.names.length} classes (${info.layout}, ${info.arch})`;
  const files: Array<[string, Uint8Array | string]> = [
    ['model.onnx', bytes],
    ['model.json', JSON.stringify(info, null, 1) + '\n'],
    ['index.html', pageHtml(title, 0.5)],
    ['detect.js', PAGE_SCRIPT],
  ];
  for (const [name, data] of files) await atomicWrite(path.join(dir, name), [typeof data === 'string' ? Buffer.from(data) : data]);
  for (const f of ORT_WEB_FILES) await fs.promises.copyFile(path.join(dist, f), path.join(dir, f));
  return [...files.map(([n]) => n), ...ORT_WEB_FILES];
}
