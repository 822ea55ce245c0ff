/**
 * `resdet report RUN` on a run folder made by the test (log, config, an evaluation with ground truth and
 * detections whose errors are known by construction), and the page it writes, opened from the file system in
 * Debian's Chromium (puppeteer-core): no script error, no request leaves the file system, the gallery is sorted
 * worst first, and the score-threshold slider, class filter and large view work.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type { Browser, Page } from 'puppeteer-core';
import { ROOT, runCli, trainOnTwoImages } from '../../helpers/cli';
import { tempDir } from '../../helpers/temp_dir';
import { CHROMIUM, requires } from '../../helpers/requirements';

const tmp = tempDir('report');
const run = path.join(tmp, 'run');
const evalDir = path.join(run, 'eval', 'step-20');

/** Three 120x100 images; a: a duplicate, a wrong class, a low-scoring match and a crowd region; b: one missed box; c: perfect. */
async function makeRun(): Promise<void> {
  fs.mkdirSync(evalDir, { recursive: true });
  const files = ['a.png', 'b.png', 'c.png'].map((f) => path.join(tmp, f));
  for (const [i, f] of files.entries()) {
    await sharp({ create: { width: 120, height: 100, channels: 3, background: ['#c44', '#4c4', '#44c'][i] } }).png().toFile(f);
  }
  const images = files.map((f, i) => ({ id: i + 1, width: 120, height: 100, file_name: path.basename(f), path: f }));
  const gt = {
    images,
    categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 2, bbox: [50, 50, 30, 30], area: 900, iscrowd: 0 },
      { id: 3, image_id: 1, category_id: 1, bbox: [0, 70, 30, 30], area: 900, iscrowd: 1 },
      { id: 4, image_id: 2, category_id: 1, bbox: [10, 10, 40, 40], area: 1600, iscrowd: 0 },
      { id: 5, image_id: 3, category_id: 1, bbox: [20, 20, 50, 50], area: 2500, iscrowd: 0 },
    ],
  };
  const dets = [
    { image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], score: 0.9 },
    { image_id: 1, category_id: 1, bbox: [11, 11, 20, 20], score: 0.8 },
    { image_id: 1, category_id: 1, bbox: [50, 50, 30, 30], score: 0.7 },
    { image_id: 1, category_id: 2, bbox: [52, 52, 30, 30], score: 0.3 },
    { image_id: 1, category_id: 1, bbox: [0, 70, 30, 30], score: 0.6 },
    { image_id: 3, category_id: 1, bbox: [20, 20, 50, 50], score: 0.99 },
  ];
  fs.writeFileSync(path.join(evalDir, 'ground_truth.json'), JSON.stringify(gt));
  fs.writeFileSync(path.join(evalDir, 'detections.json'), JSON.stringify(dets));
  fs.writeFileSync(path.join(evalDir, 'metrics.json'), JSON.stringify({ coco_ap: 0.4321, images: 3 }));
  const log = [{ type: 'start', step: 0, totalSteps: 20 }];
  for (let s = 1; s <= 20; s++) log.push({ type: 'train', step: s, loss: 2 / s } as never);
  log.push({ type: 'val', step: 10, loss: 0.5 } as never, { type: 'val', step: 20, loss: 0.4 } as never, { type: 'eval', step: 20, coco_ap: 0.4321, voc07_map50: 0.6543 } as never);
  fs.writeFileSync(path.join(run, 'log.jsonl'), log.map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), 'model:\n  arch: resnet18 # <script>\n');
  fs.writeFileSync(path.join(run, 'last_checkpoint'), 'step-0000020\n');
}

let cli: ReturnType<typeof runCli>;
const index = path.join(run, 'report', 'index.html');

beforeAll(async () => {
  await makeRun();
  cli = runCli(['report', run, '--quiet']);
}, 60000);

test('the report folder: page, script, style, data, loss and PR plots, a thumbnail and a view per image', () => {
  expect(cli.stderr).toBe('');
  expect(cli.code).toBe(0);
  expect(cli.stdout).toBe(`report: ${index} (gallery: 3 of 3 images)\n`);
  const dir = path.join(run, 'report');
  expect(fs.readdirSync(dir).sort()).toEqual(['data.js', 'images', 'index.html', 'plots', 'report.css', 'report.js']);
  expect(fs.readdirSync(path.join(dir, 'plots')).sort()).toEqual(['loss.png', 'pr_1_cat.png', 'pr_2_dog.png']);
  expect(fs.readdirSync(path.join(dir, 'images')).sort()).toEqual(['000001-view.jpg', '000001.jpg', '000002-view.jpg', '000002.jpg', '000003-view.jpg', '000003.jpg']);
  const page = fs.readFileSync(index, 'utf8');
  expect(page).toContain('evaluation at step 20');
  expect(page).toContain('<td>coco_ap</td><td>0.4321</td>');
  expect(page).toContain('# &lt;script&gt;'); // the config is escaped
  expect(page).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from the network
});

test('bad input: no run folder, a folder that is not a run, an --out holding other files (exit 2, one line, nothing written)', () => {
  const other = path.join(tmp, 'mine');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'notes.txt'), 'keep me');
  const cases: Array<[string[], string]> = [
    [['report', path.join(tmp, 'nope')], `resdet: error: ${path.join(tmp, 'nope')}: no such run folder\n`],
    [['report', other], `resdet: error: ${other}: not a resdet run folder (no config.yaml, log.jsonl or evaluation with ground_truth.json in it)\n`],
    [['report', run, '--out', other], `resdet: error: ${other}: holds files that are not a resdet report (notes.txt): choose another --out\n`],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    expect([r.code, r.stderr]).toEqual([2, message]);
  }
  expect(fs.readdirSync(other)).toEqual(['notes.txt']);
});

test('a run with no checkpoint and no evaluation yet: a report of what exists, saying what is missing', () => {
  const young = path.join(tmp, 'young');
  fs.mkdirSync(young);
  fs.copyFileSync(path.join(run, 'config.yaml'), path.join(young, 'config.yaml'));
  fs.writeFileSync(path.join(young, 'log.jsonl'), JSON.stringify({ type: 'train', step: 1, loss: 1.5 }) + '\n');
  const r = runCli(['report', young, '--quiet']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`report: ${path.join(young, 'report', 'index.html')} (no gallery)\n`);
  const notes = [
    'no detector evaluation with its ground truth in this run: no PR curves, confusion matrix or gallery (for a detector, resdet eval model --weights RUN writes one)',
    'no checkpoint yet: training has not saved one (the report shows what the log holds so far)',
  ];
  expect(r.stderr).toBe(notes.map((n) => `resdet report: ${n}\n`).join(''));
  const page = fs.readFileSync(path.join(young, 'report', 'index.html'), 'utf8');
  for (const n of notes) expect(page).toContain(`<li>${n}</li>`);
  expect(page).toContain('<h2>Loss</h2>');
  expect(page).not.toContain('id="gallery"');
});

test('detections of categories the ground truth does not have are counted in a note, not crashed on', () => {
  const ev = path.join(tmp, 'unknown-cats');
  fs.mkdirSync(ev);
  fs.copyFileSync(path.join(evalDir, 'ground_truth.json'), path.join(ev, 'ground_truth.json'));
  const dets = JSON.parse(fs.readFileSync(path.join(evalDir, 'detections.json'), 'utf8'));
  dets.push({ image_id: 2, category_id: 7, bbox: [1, 1, 5, 5], score: 0.9 }, { image_id: 3, category_id: 7, bbox: [1, 1, 5, 5], score: 0.8 }, { image_id: 3, category_id: 9, bbox: [1, 1, 5, 5], score: 0.8 });
  fs.writeFileSync(path.join(ev, 'detections.json'), JSON.stringify(dets));
  const r = runCli(['report', ev, '--quiet']);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('resdet report: 3 detection(s) of category id(s) 7, 9, which the ground truth does not have, are left out (a class-mapping mistake?)\n');
  expect(r.stdout).toBe(`report: ${path.join(ev, 'report', 'index.html')} (gallery: 3 of 3 images)\n`);
});

test('a second report into the same folder replaces the first: a smaller gallery leaves no old images', () => {
  const out = path.join(tmp, 'small');
  expect(runCli(['report', run, '--out', out, '--quiet']).code).toBe(0);
  const r = runCli(['report', run, '--out', out, '--quiet', '--max-images', '1']);
  expect(r.stdout).toBe(`report: ${path.join(out, 'index.html')} (gallery: 1 of 3 images)\n`);
  expect(fs.readdirSync(path.join(out, 'images')).sort()).toEqual(['000001-view.jpg', '000001.jpg']);
  // the one kept is the image with the most errors at 0.5 (a.png: 2 false positives, 1 missed)
  expect(fs.readFileSync(path.join(out, 'data.js'), 'utf8')).toContain('"name":"a.png"');
});

const { describe: describeChromium } = requires('chromium');

describeChromium('in Chromium, from the file system', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const remote: string[] = [];

  beforeAll(async () => {
    const puppeteer = await import('puppeteer-core');
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 800 });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
    page.on('request', (r) => !r.url().startsWith('file://') && remote.push(r.url()));
    await page.goto(`file://${index}`, { waitUntil: 'load' });
  }, 60000);

  afterAll(async () => browser?.close());

  const cards = () => page.$$eval('.card', (cs) => cs.map((c) => [Number((c as HTMLElement).dataset.index), Number((c as HTMLElement).dataset.errors)]));
  const setThreshold = (t: number) => page.$eval('#threshold', (el, v) => {
    const input = el as HTMLInputElement;
    input.value = String(v);
    input.dispatchEvent(new Event('input'));
  }, t);

  test('every image and plot loads, with no script error and no request beyond the file system', async () => {
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForFunction(() => [...document.images].every((i) => i.complete), { timeout: 10000 });
    const sizes = await page.$$eval('img', (is) => is.map((i) => [i.getAttribute('src'), (i as HTMLImageElement).naturalWidth]));
    expect(sizes.length).toBe(3 + 3); // loss + two PR plots, three thumbnails
    for (const [src, w] of sizes) expect([src, w]).toEqual([src, expect.any(Number)]), expect(w).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
    expect(remote).toEqual([]);
  });

  test('the gallery is sorted worst first; the slider re-counts and re-sorts; the class filter keeps images with that class', async () => {
    // at 0.5: a 2 false positives + 1 missed, b 1 missed, c none
    expect(await cards()).toEqual([[0, 3], [1, 1], [2, 0]]);
    expect(await page.$eval('#gallery-count', (e) => e.textContent)).toBe('3 images, 2 with errors at score ≥ 0.50');
    await setThreshold(0.95); // a: both of its boxes missed; c's 0.99 still finds its box
    expect(await cards()).toEqual([[0, 2], [1, 1], [2, 0]]);
    await setThreshold(1); // nothing left: every box missed
    expect(await cards()).toEqual([[0, 2], [1, 1], [2, 1]]);
    await setThreshold(0.25);
    expect(await cards()).toEqual([[0, 2], [1, 1], [2, 0]]);
    // the drawn boxes follow the slider: a at 0.25 shows 3 boxes and its 4 detections above 0.25 (the crowd one included)
    expect(await page.$eval('.card[data-index="0"] svg', (s) => [s.querySelectorAll('rect.gt').length, s.querySelectorAll('rect.pred').length, s.querySelectorAll('rect.fp').length])).toEqual([3, 5, 2]);
    await page.select('#class-filter', '1'); // dog: only a has one
    expect((await cards()).map((c) => c[0])).toEqual([0]);
    await page.select('#class-filter', '-1');
    await page.select('#sort', 'file');
    expect((await cards()).map((c) => c[0])).toEqual([0, 1, 2]);
  });

  test('an image opens larger with labelled boxes, and closes with Escape', async () => {
    await setThreshold(0.5);
    await page.click('.card[data-index="1"]');
    expect(await page.$eval('#viewer', (v) => (v as HTMLElement).hidden)).toBe(false);
    const labels = await page.$$eval('#viewer-image text', (ts) => ts.map((t) => t.textContent));
    expect(labels).toEqual(['cat missed']);
    expect(await page.$eval('#viewer-text', (t) => t.textContent)).toContain('b.png (120 × 100)');
    await page.keyboard.press('Escape');
    expect(await page.$eval('#viewer', (v) => (v as HTMLElement).hidden)).toBe(true);
  });

  test('the report that a small training run writes at its end: metrics, plots, gallery; the slider changes the drawn boxes; a screenshot is kept', async () => {
    const trained = trainOnTwoImages('demo.yaml', () => [
      'data.shortSides=[96]', 'data.maxSize=128', 'data.testShortSide=96', 'model.widthMultiplier=0.125', 'solver.imsPerBatch=2',
      'solver.maxIters=2', 'checkpoint.period=2', 'model.roiHeads.scoreThresh=0', 'eval.valImages=2',
    ]);
    expect(trained.code).toBe(0);
    const report = path.join(trained.out, 'report', 'index.html');
    expect(trained.stdout).toContain(`report: ${report}\n`);
    const p = await browser.newPage();
    const requests: string[] = [];
    p.on('request', (r) => !r.url().startsWith('file://') && requests.push(r.url()));
    p.on('pageerror', (e) => requests.push(`error: ${e}`));
    await p.setViewport({ width: 1280, height: 900 });
    await p.goto(`file://${report}`, { waitUntil: 'load' });
    expect(await p.$$eval('table.metrics td:first-child', (tds) => tds.map((t) => t.textContent))).toEqual(expect.arrayContaining(['voc07_map50', 'coco_ap', 'images']));
    await p.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await p.waitForFunction(() => [...document.images].every((i) => i.complete), { timeout: 10000 });
    const plots = await p.$$eval('img', (is) => is.filter((i) => /plots\//.test(i.getAttribute('src')!)).map((i) => [i.getAttribute('src'), (i as HTMLImageElement).naturalWidth > 0]));
    expect(plots).toEqual(expect.arrayContaining([['plots/loss.png', true], ['plots/pr_1_circle.png', true]]));
    expect(await p.$$eval('.card', (c) => c.length)).toBe(2);
    const drawn = () => p.$$eval('.card rect.pred', (r) => r.length);
    const setT = (t: number) => p.$eval('#threshold', (el, v) => {
      (el as HTMLInputElement).value = String(v);
      el.dispatchEvent(new Event('input'));
    }, t);
    await setT(0);
    const all = await drawn();
    expect(all).toBeGreaterThan(0);
    await setT(1);
    expect(await drawn()).toBeLessThan(all);
    await setT(0.5);
    await p.evaluate(() => document.getElementById('gallery')!.scrollIntoView());
    const shot = path.join(ROOT, 'runs', 'screenshots', 'report-of-a-trained-run.png');
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await p.screenshot({ path: shot });
    process.stdout.write(`screenshot of the report: ${shot}\n`);
    expect(fs.statSync(shot).size).toBeGreaterThan(10000);
    expect(requests).toEqual([]);
    await p.close();
  }, 300000);
});
