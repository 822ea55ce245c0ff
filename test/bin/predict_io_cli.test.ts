/**
 * Outputs and inputs of predict, eval model, eval voc, eval coco and data show (issue 14: bugs 3, 4, 8, 10),
 * from the command line on a tiny detector trained on a VOC dataset whose classes are named "T-shirt/top" and
 * "../x": drawn images never overwrite an input and never collide; unreadable images are skipped, said and
 * counted, none readable exits 2; predict → eval coco and eval model → eval voc give the numbers eval model gives.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, ROOT } from '../helpers/cli';
import { requires } from '../helpers/requirements';
import { JsonlLog } from '../../run/jsonl_log';
import { initBackend } from '../../engine/backend';
import { loadDetector } from '../../detection/detector';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-predict-io-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const voc = path.join(tmp, 'voc');
const run = path.join(tmp, 'run');
const images = path.join(voc, 'JPEGImages');
const CLASSES = ['T-shirt/top', '../x', 'triangle', 'star'];

function tinySets(data: string, steps: number, format = 'voc'): string[] {
  return [
    `data.train.path=${data}`, `data.test.path=${data}`, `data.train.format=${format}`, `data.test.format=${format}`, 'data.train.split=train', 'data.test.split=train',
    'data.shortSides=[96]', 'data.maxSize=128', 'data.testShortSide=96', 'model.widthMultiplier=0.125', 'model.pretrained=null',
    'model.rpn.preNmsTopNTrain=200', 'model.rpn.postNmsTopNTrain=20', 'model.rpn.preNmsTopNTest=200', 'model.rpn.postNmsTopNTest=20',
    'model.roiHeads.batchSizePerImage=16', 'solver.imsPerBatch=2', 'solver.lr=0.02', 'solver.warmupIters=5', 'checkpoint.period=1000', 'eval.period=0',
    `solver.maxIters=${steps}`,
  ].flatMap((s) => ['--set', s]);
}

/** A synthetic VOC dataset whose circles are "T-shirt/top" and squares "../x". */
function makeVoc(dir: string): void {
  expect(runCli(['data', 'synth', '--out', dir, '--images', '6', '--seed', '4', '--format', 'voc', '--split', 'train']).code).toBe(0);
  fs.writeFileSync(path.join(dir, 'classes.txt'), CLASSES.join('\n') + '\n');
  for (const f of fs.readdirSync(path.join(dir, 'Annotations'))) {
    const file = path.join(dir, 'Annotations', f);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/<name>circle</g, '<name>T-shirt/top<').replace(/<name>square</g, '<name>../x<'));
  }
}

/** A copy of the dataset's images in a fresh folder, `bad` of them made unreadable (zero bytes, then truncated). */
function imageCopy(name: string, bad: number): { dir: string; files: string[] } {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const files = fs.readdirSync(images).sort().map((f) => {
    fs.copyFileSync(path.join(images, f), path.join(dir, f));
    return path.join(dir, f);
  });
  files.slice(0, bad).forEach((f, i) => fs.writeFileSync(f, i % 2 === 0 ? Buffer.alloc(0) : fs.readFileSync(f).subarray(0, 4000)));
  return { dir, files };
}

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));

// enough steps that the tiny detector finds something (mAP > 0), whichever thread count wasm computes with
const STEPS = 80;

beforeAll(() => {
  makeVoc(voc);
  const t = runCli(['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', run, '--quiet', ...tinySets(voc, STEPS)]);
  expect(t.stderr).not.toMatch(/error/);
  expect(t.code).toBe(0);
});

describe('class names as file names (bug 10)', () => {
  test("training's final evaluation writes one devkit file per class, names escaped, inside voc_results", () => {
    const dir = path.join(run, 'eval', `step-${STEPS}`, 'voc_results');
    expect(fs.readdirSync(dir).sort()).toEqual(['comp4_det_train_%2E.%2Fx.txt', 'comp4_det_train_T-shirt%2Ftop.txt', 'comp4_det_train_star.txt', 'comp4_det_train_triangle.txt']);
    expect(fs.readdirSync(path.join(run, 'eval'))).toEqual([`step-${STEPS}`]);
  });

  test('eval model → eval voc --imageset train (classes from classes.txt): the same AP, class by class', () => {
    const out = path.join(tmp, 'eval-train');
    const m = runCli(['eval', 'model', '--weights', run, '--out', out, '--json', path.join(out, 'metrics.json'), '--quiet']);
    expect(m.stderr).toBe('');
    expect(m.code).toBe(0);
    expect(m.stdout).toContain(`devkit results: ${path.join(out, 'voc_results')} (comp4_det_train_<class>.txt; resdet eval voc --imageset train)`);
    const metrics = readJson(path.join(out, 'metrics.json'));
    expect(metrics.voc07_map50).toBeGreaterThan(0);
    const v = runCli(['eval', 'voc', '--root', voc, '--imageset', 'train', '--results', path.join(out, 'voc_results'), '--metric', '07', '--json', path.join(out, 'voc.json')]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    const ev = readJson(path.join(out, 'voc.json'));
    expect(Object.keys(ev.ap)).toEqual(CLASSES);
    expect(ev.map).toBeCloseTo(metrics.voc07_map50, 12);
    const area = runCli(['eval', 'voc', '--root', voc, '--imageset', 'train', '--results', path.join(out, 'voc_results'), '--metric', 'area', '--json', path.join(out, 'area.json')]);
    expect(area.code).toBe(0);
    expect(readJson(path.join(out, 'area.json')).map).toBeCloseTo(metrics.voc_area_map50, 12);
  });

  test('eval model --split names the devkit files by that split (val), and eval voc --imageset val reads them', () => {
    fs.copyFileSync(path.join(voc, 'ImageSets', 'Main', 'train.txt'), path.join(voc, 'ImageSets', 'Main', 'val.txt'));
    const out = path.join(tmp, 'eval-val');
    const m = runCli(['eval', 'model', '--weights', run, '--split', 'val', '--out', out, '--json', path.join(out, 'metrics.json'), '--quiet']);
    expect(m.code).toBe(0);
    expect(fs.readdirSync(path.join(out, 'voc_results')).every((f) => f.startsWith('comp4_det_val_'))).toBe(true);
    const v = runCli(['eval', 'voc', '--root', voc, '--imageset', 'val', '--results', path.join(out, 'voc_results'), '--metric', '07', '--json', path.join(out, 'voc.json')]);
    expect(v.code).toBe(0);
    expect(readJson(path.join(out, 'voc.json')).map).toBeCloseTo(readJson(path.join(out, 'metrics.json')).voc07_map50, 12);
  });
});

requires('fashion-mnist').test('Fashion-MNIST composites ("T-shirt/top", "Ankle boot"): training evaluates, eval voc reads the results back', () => {
  const fm = path.join(tmp, 'fmnist');
  expect(runCli(['data', 'synth', '--source', 'fashion-mnist', '--out', fm, '--images', '4', '--format', 'voc', '--split', 'train']).code).toBe(0);
  const out = path.join(tmp, 'run-fmnist');
  const t = runCli(['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', out, '--quiet', ...tinySets(fm, 2)]);
  expect(t.code).toBe(0);
  const results = path.join(out, 'eval', 'step-2', 'voc_results');
  expect(fs.readdirSync(results)).toEqual(expect.arrayContaining(['comp4_det_train_T-shirt%2Ftop.txt', 'comp4_det_train_Ankle%20boot.txt']));
  const v = runCli(['eval', 'voc', '--root', fm, '--imageset', 'train', '--results', results, '--metric', '07', '--json', path.join(out, 'voc.json')]);
  expect(v.code).toBe(0);
  expect(Object.keys(JSON.parse(fs.readFileSync(path.join(out, 'voc.json'), 'utf8')).ap)).toHaveLength(10);
  expect(JSON.parse(fs.readFileSync(path.join(out, 'voc.json'), 'utf8')).map).toBeCloseTo(JSON.parse(t.stdout.match(/^metrics: (.*)$/m)![1]).voc07_map50, 12);
});

describe('chains (bug 8)', () => {
  const coco = path.join(tmp, 'coco');
  let vocMetrics: { coco_ap: number; coco_ap50: number; voc07_map50: number };

  beforeAll(() => {
    const c = runCli(['data', 'convert', voc, '--to', 'coco', '--out', coco, '--split', 'train']);
    expect(c.code).toBe(0);
    const out = path.join(tmp, 'eval-chain');
    expect(runCli(['eval', 'model', '--weights', run, '--out', out, '--json', path.join(out, 'metrics.json'), '--quiet']).code).toBe(0);
    vocMetrics = readJson(path.join(out, 'metrics.json'));
  });

  test('eval model --data COCO_DIR reads the COCO dataset (the config says VOC) and scores the same', () => {
    const out = path.join(tmp, 'eval-coco-data');
    const m = runCli(['eval', 'model', '--weights', run, '--data', coco, '--out', out, '--json', path.join(out, 'metrics.json'), '--quiet']);
    expect(m.stderr).toBe('');
    expect(m.code).toBe(0);
    const metrics = readJson(path.join(out, 'metrics.json'));
    expect(metrics.images).toBe(6);
    expect(metrics.coco_ap).toBeCloseTo(vocMetrics.coco_ap, 12);
    expect(metrics.coco_ap50).toBeCloseTo(vocMetrics.coco_ap50, 12);
  });

  test('eval model --data VOC_DIR of a detector trained on COCO reads VOC (it assumed COCO) and scores the same', () => {
    const cocoRun = path.join(tmp, 'run-coco');
    expect(runCli(['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', cocoRun, '--quiet', ...tinySets(coco, 4, 'coco')]).code).toBe(0);
    const own = path.join(tmp, 'eval-coco-own');
    expect(runCli(['eval', 'model', '--weights', cocoRun, '--out', own, '--json', path.join(own, 'metrics.json'), '--quiet']).code).toBe(0);
    const out = path.join(tmp, 'eval-voc-data');
    const m = runCli(['eval', 'model', '--weights', cocoRun, '--data', voc, '--out', out, '--json', path.join(out, 'metrics.json'), '--quiet']);
    expect(m.stderr).toBe('');
    expect(m.code).toBe(0);
    const mine = readJson(path.join(out, 'metrics.json'));
    const theirs = readJson(path.join(own, 'metrics.json'));
    expect(mine.images).toBe(6);
    expect(mine.detections).toBe(theirs.detections);
    expect(mine.coco_ap50).toBeCloseTo(theirs.coco_ap50, 12);
    expect(mine.voc07_map50).toBeCloseTo(theirs.voc07_map50, 12);
  });

  test('predict --coco-ids → eval coco: image ids of the COCO file, the AP eval model reports', () => {
    const gt = path.join(coco, 'annotations', 'instances_train.json');
    const out = path.join(tmp, 'pred-coco');
    const p = runCli(['predict', '--weights', run, images, '--coco-ids', coco, '--score-thresh', '0', '--out', out, '--no-draw', '--quiet']);
    expect(p.code).toBe(0);
    const dets = readJson(path.join(out, 'detections.json'));
    const ids = new Map<string, number>(readJson(gt).images.map((im: { file_name: string; id: number }) => [path.basename(im.file_name), im.id]));
    expect(dets.length).toBeGreaterThan(0);
    for (const d of dets) expect(d.image_id).toBe(ids.get(path.basename(d.file_name)));
    const e = runCli(['eval', 'coco', '--gt', gt, '--results', path.join(out, 'detections.json'), '--json', path.join(out, 'coco.json')]);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    const stats = readJson(path.join(out, 'coco.json')).stats;
    expect(stats[0]).toBeCloseTo(vocMetrics.coco_ap, 12);
    expect(stats[1]).toBeCloseTo(vocMetrics.coco_ap50, 12);
  });

  test('predict without --coco-ids numbers images 1..N in input order; an image the COCO file lacks exits 2', () => {
    const out = path.join(tmp, 'pred-plain');
    expect(runCli(['predict', '--weights', run, images, '--score-thresh', '0', '--out', out, '--no-draw', '--quiet']).code).toBe(0);
    const dets: { image_id: number; file_name: string }[] = readJson(path.join(out, 'detections.json'));
    const order = fs.readdirSync(images).sort();
    for (const d of dets) expect(d.image_id).toBe(order.indexOf(path.basename(d.file_name)) + 1);
    const stranger = path.join(tmp, 'stranger.jpg');
    fs.copyFileSync(path.join(images, order[0]), stranger);
    const r = runCli(['predict', '--weights', run, stranger, '--coco-ids', coco, '--out', path.join(tmp, 'pred-stranger'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`resdet: error: ${stranger}: not among the images of ${coco} (no file_name ends its path)\n`);
    expect(fs.existsSync(path.join(tmp, 'pred-stranger'))).toBe(false);
  });
});

describe('drawn images (bug 3)', () => {
  test('predict --out = the input folder is refused before anything is written; the inputs are untouched', () => {
    const { dir, files } = imageCopy('photos-same', 0);
    const before = files.map((f) => fs.readFileSync(f));
    const r = runCli(['predict', '--weights', run, dir, '--out', dir, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`resdet: error: ${dir}: drawn images would be written among the input images in ${fs.realpathSync(dir)}; choose another output folder\n`);
    files.forEach((f, i) => expect(fs.readFileSync(f).equals(before[i])).toBe(true));
    expect(fs.existsSync(path.join(dir, 'detections.json'))).toBe(false);
  });

  test('same-named images from two folders are drawn at their paths relative to the common folder', () => {
    const a = imageCopy(path.join('two', 'a'), 0);
    const b = imageCopy(path.join('two', 'b'), 0);
    const out = path.join(tmp, 'pred-two');
    const r = runCli(['predict', '--weights', run, a.files[0], b.files[0], '--score-thresh', '0', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const name = path.basename(a.files[0]);
    expect(fs.readdirSync(out).sort()).toEqual(['a', 'b', 'detections.json']);
    for (const sub of ['a', 'b']) expect(fs.readdirSync(path.join(out, sub))).toEqual([name]);
    expect(r.stdout).toContain(`${path.relative(ROOT, a.files[0])}: `);
    expect(r.stdout).toContain(`${path.relative(ROOT, b.files[0])}: `);
  });

  test('data show --out JPEGImages is refused; elsewhere it draws every image under its own name', () => {
    const before = fs.readdirSync(images).map((f) => fs.readFileSync(path.join(images, f)));
    const r = runCli(['data', 'show', voc, '--out', images]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`resdet: error: ${images}: drawn images would be written among the input images in ${fs.realpathSync(images)}; choose another output folder\n`);
    fs.readdirSync(images).forEach((f, i) => expect(fs.readFileSync(path.join(images, f)).equals(before[i])).toBe(true));
    const out = path.join(tmp, 'show');
    expect(runCli(['data', 'show', voc, '--out', out]).code).toBe(0);
    expect(fs.readdirSync(out).filter((f) => f !== 'gallery').sort()).toEqual(fs.readdirSync(images).sort());
  });
});

describe('unreadable images (bug 4)', () => {
  test('predict skips a zero-byte and a truncated image, names them, counts them, and keeps the rest', () => {
    const { dir, files } = imageCopy('photos-bad', 2);
    const out = path.join(tmp, 'pred-bad');
    const r = runCli(['predict', '--weights', run, dir, '--score-thresh', '0', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const skippedLines = r.stderr.split('\n').filter((l) => l.startsWith('resdet: skipped '));
    expect(skippedLines).toHaveLength(2);
    expect(skippedLines[0]).toContain(`resdet: skipped ${files[0]}: cannot read image: `);
    expect(skippedLines[1]).toContain(`resdet: skipped ${files[1]}: cannot decode image: `);
    expect(r.stdout).toMatch(/^4 image\(s\), \d+ detection\(s\), 2 unreadable image\(s\) skipped$/m);
    // every readable image is drawn; detections name only readable images (how many each gets is the tiny model's)
    const kept = files.slice(2).map((f) => path.basename(f));
    const named = new Set(readJson(path.join(out, 'detections.json')).map((d: { file_name: string }) => path.basename(d.file_name)));
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter((f) => !kept.includes(f))).toEqual([]);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.jpg')).sort()).toEqual(kept);
  });

  test('predict on a folder of unreadable images: "no readable images in", exit 2, nothing written', () => {
    const { dir } = imageCopy('photos-all-bad', 6);
    const out = path.join(tmp, 'pred-all-bad');
    const r = runCli(['predict', '--weights', run, dir, '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`resdet: error: no readable images in ${dir} \\(6 skipped, e\\.g\\. `));
    expect(r.stderr).not.toMatch(/internal error/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('eval model leaves an unreadable image out and says so; none readable exits 2', () => {
    const bad = path.join(tmp, 'voc-bad');
    fs.cpSync(voc, bad, { recursive: true });
    const jpegs = fs.readdirSync(path.join(bad, 'JPEGImages')).sort().map((f) => path.join(bad, 'JPEGImages', f));
    fs.writeFileSync(jpegs[0], '');
    const out = path.join(tmp, 'eval-bad');
    const r = runCli(['eval', 'model', '--weights', run, '--data', bad, '--out', out, '--json', path.join(out, 'metrics.json'), '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^resdet: skipped ${jpegs[0]}: cannot decode image: `));
    expect(r.stdout).toContain('COCO bbox (5 images; 1 unreadable image(s) skipped):');
    expect(readJson(path.join(out, 'metrics.json'))).toMatchObject({ images: 5, skipped_images: 1 });
    for (const f of jpegs) fs.writeFileSync(f, '');
    const all = runCli(['eval', 'model', '--weights', run, '--data', bad, '--out', out, '--quiet']);
    expect(all.code).toBe(2);
    expect(all.stderr).toMatch(new RegExp(`resdet: error: no readable images in ${bad} \\(6 skipped, e\\.g\\. `));
  });

  test('an image a YOLO dataset names but whose header is unreadable: eval model and training skip it, data check still reports it', () => {
    const yolo = path.join(tmp, 'yolo');
    expect(runCli(['data', 'convert', voc, '--to', 'yolo', '--out', yolo, '--split', 'train']).code).toBe(0);
    const jpegs: string[] = [];
    const walk = (d: string): void => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.jpg') && jpegs.push(path.join(d, e.name))));
    walk(path.join(yolo, 'images'));
    jpegs.sort();
    expect(jpegs).toHaveLength(6);
    fs.writeFileSync(jpegs[0], '');
    const check = runCli(['data', 'check', yolo]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`error: ${jpegs[0]}: image: not a readable image: `);
    const out = path.join(tmp, 'eval-yolo');
    const m = runCli(['eval', 'model', '--weights', run, '--data', yolo, '--out', out, '--json', path.join(out, 'metrics.json'), '--quiet']);
    expect(m.code).toBe(0);
    expect(m.stderr).toBe(`resdet: skipped ${jpegs[0]}: not a readable image: Input file contains unsupported image format\n`);
    expect(readJson(path.join(out, 'metrics.json'))).toMatchObject({ images: 5, skipped_images: 1 });
    const trainRun = path.join(tmp, 'run-yolo');
    const t = runCli(['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', trainRun, '--quiet', ...tinySets(yolo, 2, 'yolo')]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('training: 1 unreadable image(s) skipped\n');
    expect(JsonlLog.read(path.join(trainRun, 'log.jsonl')).filter((l) => l.type === 'skipped_image').map((l) => l.file)).toEqual([jpegs[0]]);
    for (const f of jpegs) fs.writeFileSync(f, '');
    const none = runCli(['eval', 'model', '--weights', run, '--data', yolo, '--out', out, '--quiet']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(new RegExp(`resdet: error: no readable images in ${yolo} \\(6 skipped, e\\.g\\. `));
  });

  test('training counts a bad image once (distinct files, not once per epoch) and says it once; so does the final evaluation', () => {
    const data = path.join(tmp, 'voc-train-bad');
    fs.cpSync(voc, data, { recursive: true });
    const bad = path.join(data, 'JPEGImages', 'train_000002.jpg');
    fs.writeFileSync(bad, '');
    const out = path.join(tmp, 'run-bad');
    const r = runCli(['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', out, '--quiet', ...tinySets(data, 8), '--set', 'eval.period=0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('training: 1 unreadable image(s) skipped\n');
    // three epochs of training, then the final evaluation on the same images: one line each
    expect(r.stderr.split('\n').filter((l) => l.startsWith(`resdet: skipped ${bad}: cannot decode image`))).toHaveLength(2);
    const log = JsonlLog.read(path.join(out, 'log.jsonl'));
    expect(log.filter((l) => l.type === 'skipped_image').map((l) => l.file)).toEqual([bad]);
    expect(log.find((l) => l.type === 'skipped_total')).toMatchObject({ count: 1 });
    // the final evaluation on the same data leaves it out too
    expect(log.filter((l) => l.type === 'eval').pop()).toMatchObject({ images: 5, skipped_images: 1 });
  });

  test('Detector.detect() on an unreadable image throws a DatasetError naming it', async () => {
    await initBackend('cpu');
    const detector = await loadDetector(run);
    const empty = path.join(tmp, 'empty.jpg');
    fs.writeFileSync(empty, '');
    await expect(detector.detect(empty)).rejects.toThrow(`${path.resolve(empty)}: cannot read image: `);
    const { files } = imageCopy('photos-lib', 2);
    await expect(detector.detect(files[1])).rejects.toThrow(`${files[1]}: cannot decode image: `);
    // a readable image after them is detected as usual (its detection count is the tiny model's)
    expect(Array.isArray(await detector.detect(files[2]))).toBe(true);
    detector.dispose();
  });
});
