/**
 * The web export in a real browser: `resdet export --format web` writes the page, `resdet serve` serves it,
 * headless Chromium (Debian's, driven by puppeteer-core) loads it from that server, runs the exported demo
 * detector on ONNX Runtime Web (WebAssembly) on two images of different sizes chosen in the page's file input,
 * and the detections the page reports reproduce resdet's own: ≥ 99% both ways (same label, IoU ≥ 0.99, score
 * within 1e-3). No request leaves the local server (no CDN). A screenshot of the page is kept under
 * runs/screenshots/.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'puppeteer-core';
import { runCli, ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';
import { detectorReference, DetectorReference, Det, reproduced } from '../helpers/detector_reference';
import { requires, CHROMIUM } from '../helpers/requirements';
import { stopChild } from '../helpers/stop_child';

const tmp = tempDir('detector-web');
const web = path.join(tmp, 'web');
let demo: DetectorReference;
let server: ChildProcess | null = null;
let url = '';
let browser: Browser | null = null;

beforeAll(async () => {
  demo = detectorReference({
    name: 'demo', config: 'configs/demo.yaml', numClasses: 4, calibrate: [256, 320], classWeightScale: 10,
    images: [[200, 150], [160, 224]], sets: ['model.roiHeads.scoreThresh=0.05'], seed: 5,
  }, tmp);
  const r = runCli(['export', '--weights', demo.checkpoint, '--format', 'web', '--out', web]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`resdet serve ${web}`);
  server = spawn(process.execPath, [path.join(ROOT, 'dist', 'bin', 'resdet.js'), 'serve', web, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/[^/\s]+\//);
      if (m) resolve(m[0]);
    });
    server!.once('exit', (code) => reject(new Error(`resdet serve exited with ${code}`)));
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await stopChild(browser?.process() ?? null); // in case Chromium's process outlives close()
  await stopChild(server);
});

test('the export folder holds the page, the model and onnxruntime-web\'s files, nothing from a CDN', () => {
  for (const f of ['index.html', 'detect.js', 'model.onnx', 'model.json', 'ort.wasm.min.js', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']) {
    expect(fs.statSync(path.join(web, f)).size).toBeGreaterThan(100);
  }
  const html = fs.readFileSync(path.join(web, 'index.html'), 'utf8');
  expect(html).not.toMatch(/https?:\/\//);
});

requires('chromium').test('headless Chromium runs the page on two images and reports resdet\'s detections', async () => {
  const puppeteer = await import('puppeteer-core');
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) foreign.push(r.url()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setViewport({ width: 900, height: 900 });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', { timeout: 120_000 });
  expect(await page.$eval('#status', (e) => e.textContent)).not.toMatch(/cannot/);
  for (const [i, file] of demo.files.entries()) {
    const input = await page.$('#file');
    await page.evaluate(() => (document.body.dataset.state = 'waiting'));
    await (input as unknown as { uploadFile(f: string): Promise<void> }).uploadFile(file);
    await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error', { timeout: 120_000 });
    expect(await page.$eval('#status', (e) => e.textContent)).toMatch(/detection\(s\)/);
    const got = (await page.evaluate(() => (window as unknown as { resdetDetections: Det[] }).resdetDetections)) as Det[];
    expect(demo.resdet[i].length).toBeGreaterThanOrEqual(20);
    expect(reproduced(demo.resdet[i], got)).toBeGreaterThanOrEqual(0.99);
    expect(reproduced(got, demo.resdet[i])).toBeGreaterThanOrEqual(0.99);
  }
  const shot = path.join(ROOT, 'runs', 'screenshots', 'web-export-demo-detector.png');
  fs.mkdirSync(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  expect(fs.statSync(shot).size).toBeGreaterThan(1000);
  expect(foreign).toEqual([]);
  expect(errors).toEqual([]);
}, 600_000);
