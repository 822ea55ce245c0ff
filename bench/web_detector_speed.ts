/**
 * The three ways to run a detector (README, "Deploy"), timed in one run on the same checkpoint and image:
 * resdet on Node (tfjs, --backend), ONNX Runtime on Node (`loadDetector(run, { engine: 'onnxruntime' })`), and
 * the web page of `resdet export --format web` in headless Chromium (Debian's, driven by puppeteer-core) on
 * ONNX Runtime Web (WebAssembly, one thread, as the page runs it). Node's times are `detectFiles` (decode
 * included, a few ms on these sizes); the page's are what it reports itself (`window.resdetMs`: pixels to
 * detections, decoding excluded). Each engine's share of resdet's detections reproduced is printed beside it.
 *
 *   npm run demo   # or any detector run / checkpoint
 *   node dist/bench/web_detector_speed.js [--weights runs/demo] [--image FILE] [--runs 10] [--backend native]
 *     [--chromium /usr/bin/chromium] [--json out.json]
 *
 * Without --image it takes the first image of the demo's validation set (<weights>/data/val/).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { initBackend, backendChoice } from '../engine/backend';
import { loadDetector } from '../detection/detector';
import { staticServer } from '../export/web/static_server';
import { FlatDetections, median, reproduced, timeDetector } from './detector_timing';
import { arg } from './cli_arg';

const ROOT = path.resolve(__dirname, '..', '..');

function firstImage(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const inner = firstImage(p);
      if (inner) return inner;
    } else if (/\.(jpe?g|png)$/i.test(e.name)) return p;
  }
  return null;
}

interface PageRun { ms: number[]; first: FlatDetections; version: string }
interface PageResult { state: string; status: string; ms: number; dets: Array<{ box: number[]; label: number; score: number }> }

/** Runs in the page: drops the image (base64) on it as a user would, waits for the detections, returns them. */
const DROP_AND_WAIT = `async (b64, mime) => {
  const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const dt = new DataTransfer();
  dt.items.add(new File([data], 'image', { type: mime }));
  document.body.dataset.state = 'waiting';
  document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  while (document.body.dataset.state === 'waiting' || document.body.dataset.state === 'running') await new Promise((f) => setTimeout(f, 5));
  return { state: document.body.dataset.state, status: document.getElementById('status').textContent, ms: window.resdetMs, dets: window.resdetDetections };
}`;

/** The exported page in headless Chromium: the image dropped on it `runs` + 1 times (the first is the warm-up). */
async function timePage(webDir: string, image: string, runs: number, chromium: string): Promise<PageRun> {
  const server = staticServer(webDir);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const puppeteer = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction("document.body.dataset.state === 'ready' || document.body.dataset.state === 'error'", { timeout: 300_000 });
    const bytes = fs.readFileSync(image).toString('base64');
    const type = /\.png$/i.test(image) ? 'image/png' : 'image/jpeg';
    const ms: number[] = [];
    let first: FlatDetections | null = null;
    for (let r = 0; r <= runs; r++) {
      const out = (await page.evaluate(`(${DROP_AND_WAIT})(${JSON.stringify(bytes)}, ${JSON.stringify(type)})`)) as PageResult;
      if (out.state !== 'done') throw new Error(`the page says: ${out.status}`);
      if (r === 0) first = { boxes: out.dets.flatMap((d) => d.box), labels: out.dets.map((d) => d.label), scores: Float32Array.from(out.dets.map((d) => d.score)) };
      else ms.push(out.ms);
    }
    return { ms, first: first!, version: await browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}

async function main(): Promise<void> {
  const weights = arg('--weights', 'runs/demo');
  const runs = Number(arg('--runs', '10'));
  const image = arg('--image', '') || firstImage(path.join(weights, 'data', 'val'));
  if (!fs.existsSync(weights) || !image) {
    process.stderr.write(`resdet: ${weights}: no detector run (run \`npm run demo\` first, or give --weights RUN and --image FILE)\n`);
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-web-bench-'));
  try {
    const backend = await initBackend(arg('--backend', 'native'));
    const tfjs = await loadDetector(weights);
    const t = await timeDetector(tfjs, image, runs);
    tfjs.dispose();
    const ort = await loadDetector(weights, { engine: 'onnxruntime' });
    const o = await timeDetector(ort, image, runs);
    ort.dispose();
    const web = path.join(tmp, 'web');
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'bin', 'resdet.js'), 'export', '--weights', weights, '--format', 'web', '--out', web], { stdio: ['ignore', 'ignore', 'inherit'] });
    const p = await timePage(web, image, runs, arg('--chromium', '/usr/bin/chromium'));
    const ms = (s: number[]) => s.map((x) => x * 1000);
    const result = {
      weights, image, runs, cores: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg(),
      resdet: { backend, threads: backendChoice()?.reason, median_ms: median(ms(t.times)), ms: ms(t.times), detections: t.first.scores.length },
      onnxruntime_node: {
        version: (require('onnxruntime-node') as typeof import('onnxruntime-node')).env.versions.node,
        threads: process.env.RESDET_THREADS ?? 'its default (the physical cores)',
        median_ms: median(ms(o.times)), ms: ms(o.times), reproduced_share: reproduced(t.first, o.first),
      },
      browser: { chromium: p.version, engine: 'onnxruntime-web, wasm, 1 thread', median_ms: median(p.ms), ms: p.ms, reproduced_share: reproduced(t.first, p.first) },
    };
    process.stdout.write(JSON.stringify(result, null, 1) + '\n');
    const json = arg('--json', '');
    if (json) fs.writeFileSync(json, JSON.stringify(result, null, 1) + '\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
