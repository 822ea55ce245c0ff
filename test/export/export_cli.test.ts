/**
 * The CLI end to end: `resdet export --format onnx` writes a classifier that python3-onnx's checker passes, and
 * `resdet classify predict --engine onnxruntime` — on the checkpoint (exported on the fly, cached next to it,
 * exported again when the checkpoint changes) or on the `.onnx` file — prints and writes the same predictions
 * as the tfjs path: the same classes in the same order, probabilities within 1e-5. Same for torchvision-style
 * weights (--arch, ImageNet's resize + centre crop) and for the library (`loadImageClassifier`). Bad input —
 * a detector checkpoint, a file that is no model, an opset too old for the graph or outside 9–17, an unknown
 * architecture, an unknown format, a `.onnx` file that is not ONNX or not resdet's — ends with one line naming
 * the file and the problem, exit code 2.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { runCli, ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';
import { makeClassifierCheckpoint, checkOnnxFiles } from '../helpers/onnx_reference';
import { requires, PYTHON } from '../helpers/requirements';

const tmp = tempDir('export-cli');
const run = path.join(tmp, 'run');
const tv = path.join(tmp, 'torchvision');
const images: string[] = [];

interface Prediction { file: string; top: Array<{ index: number; name: string; probability: number }> }

/** A noise image with a gradient, so that nets see something else in each. */
async function noiseImage(file: string, width: number, height: number, seed: number): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = ((s >>> 16) % 128) + ((i * 7) % 128);
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).toFile(file);
}

beforeAll(async () => {
  fs.mkdirSync(run);
  fs.mkdirSync(tv);
  makeClassifierCheckpoint({ arch: 'resnet20', imageShape: [32, 32, 3], mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26], seed: 21 }, run);
  makeClassifierCheckpoint({ arch: 'resnet18', imageShape: null, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], seed: 22 }, tv, 'resnet18-random', true);
  const sizes: Array<[string, number, number]> = [['a.png', 40, 50], ['b.jpg', 300, 200], ['c.png', 32, 32]];
  for (const [i, [name, w, h]] of sizes.entries()) {
    images.push(path.join(tmp, name));
    await noiseImage(images[i], w, h, 100 + i);
  }
}, 600_000);

function predict(args: string[], json: string): { r: ReturnType<typeof runCli>; preds: Prediction[] } {
  const r = runCli(['classify', 'predict', ...args, '--json', json, ...images]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  return { r, preds: JSON.parse(fs.readFileSync(json, 'utf8')) };
}

/** Same files, same classes in the same order, probabilities within 1e-5. */
function expectSamePredictions(got: Prediction[], want: Prediction[]): void {
  expect(got.map((p) => [p.file, p.top.map((t) => [t.index, t.name])])).toEqual(want.map((p) => [p.file, p.top.map((t) => [t.index, t.name])]));
  got.forEach((p, i) => p.top.forEach((t, j) => expect(Math.abs(t.probability - want[i].top[j].probability)).toBeLessThan(1e-5)));
}

const onnxFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort();

describe('a resdet classifier checkpoint', () => {
  let tfjs: Prediction[];
  beforeAll(() => {
    tfjs = predict(['--weights', run, '--top', '5'], path.join(tmp, 'tfjs.json')).preds;
  });

  test('the tfjs predictions are real: five classes each, probabilities that differ between images', () => {
    expect(tfjs.map((p) => p.top.length)).toEqual([5, 5, 5]);
    expect(new Set(tfjs.map((p) => p.top[0].probability.toFixed(6))).size).toBe(3);
  });

  test('resdet export writes an ONNX file; classify predict on it gives the tfjs predictions', () => {
    const out = path.join(tmp, 'out', 'resnet20.onnx');
    const r = runCli(['export', '--weights', run, '--format', 'onnx', '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^resnet20 classifier, 10 classes → .*resnet20\.onnx \(ONNX opset 17, [\d.]+ MB\)\n$/);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['resnet20.onnx']); // no temp file left
    const { r: p, preds } = predict(['--weights', out], path.join(tmp, 'onnx-file.json'));
    expectSamePredictions(preds, tfjs);
    expect(p.stdout.split('\n')[0]).toBe('a.png');
  });

  test('--engine onnxruntime on the checkpoint: exported on the fly, cached next to it, reused, the same predictions', () => {
    const first = predict(['--weights', run, '--engine', 'onnxruntime'], path.join(tmp, 'ort1.json'));
    expectSamePredictions(first.preds, tfjs);
    const cached = onnxFiles(run);
    expect(cached).toEqual([expect.stringMatching(/^step-0000001\.[0-9a-f]{16}\.onnx$/)]);
    expect(first.r.stderr).toContain(`resdet: exported to ONNX: ${path.join(run, cached[0])}`);
    const again = predict(['--weights', run, '--engine', 'onnxruntime'], path.join(tmp, 'ort2.json'));
    expect(again.r.stderr).toContain(`resdet: ONNX export reused: ${path.join(run, cached[0])}`);
    expectSamePredictions(again.preds, tfjs);
    // the tfjs and onnxruntime outputs print the same lines (probabilities to 0.01%)
    expect(again.r.stdout).toBe(runCli(['classify', 'predict', '--weights', run, ...images]).stdout);
  });

  test('a changed checkpoint is exported again (the stale export removed) and predicts as its tfjs path does', () => {
    const changed = path.join(tmp, 'changed');
    fs.cpSync(run, changed, { recursive: true });
    const before = onnxFiles(changed);
    expect(before).toHaveLength(1);
    makeClassifierCheckpoint({ arch: 'resnet20', imageShape: [32, 32, 3], mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26], seed: 99 }, changed);
    const ort = predict(['--weights', changed, '--engine', 'onnxruntime'], path.join(tmp, 'changed-ort.json'));
    expect(ort.r.stderr).toMatch(/exported to ONNX/);
    const after = onnxFiles(changed);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    const tf2 = predict(['--weights', changed], path.join(tmp, 'changed-tfjs.json')).preds;
    expectSamePredictions(ort.preds, tf2);
    expect(tf2.map((p) => p.top[0].probability)).not.toEqual(tfjs.map((p) => p.top[0].probability));
  });

  test("the library: loadImageClassifier(run, { engine: 'onnxruntime' }) classifies as the CLI does", () => {
    const app = path.join(tmp, 'app');
    fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
    fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'resdet'), 'dir');
    fs.writeFileSync(path.join(app, 'main.js'), `
const { initBackend, loadImageClassifier } = require('resdet');
(async () => {
  await initBackend('wasm');
  const out = [];
  for (const engine of ['tfjs', 'onnxruntime']) {
    const c = await loadImageClassifier(process.argv[2], { engine });
    const preds = [];
    for (const file of process.argv.slice(3)) preds.push({ file, top: await c.classify(file, 5) });
    c.dispose();
    out.push(preds);
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e.message); process.exit(3); });
`);
    const r = spawnSync(process.execPath, [path.join(app, 'main.js'), run, ...images], { cwd: app, encoding: 'utf8', timeout: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [tf, ort] = JSON.parse(r.stdout) as Prediction[][];
    expectSamePredictions(tf, tfjs);
    expectSamePredictions(ort, tfjs);
  });
});

test('torchvision-style weights (--arch, ImageNet resize 256 + centre crop 224): onnxruntime and tfjs agree', () => {
  const weights = path.join(tv, 'resnet18-random.safetensors');
  const tfjs = predict(['--weights', weights, '--arch', 'resnet18'], path.join(tmp, 'tv-tfjs.json')).preds;
  const ort = predict(['--weights', weights, '--arch', 'resnet18', '--engine', 'onnxruntime'], path.join(tmp, 'tv-ort.json')).preds;
  expect(tfjs[0].top[0].name).toMatch(/\S/); // ImageNet class names
  expectSamePredictions(ort, tfjs);
  expect(onnxFiles(tv)).toEqual([expect.stringMatching(/^resnet18-random\.[0-9a-f]{16}\.onnx$/)]);
}, 300_000);

requires('onnx').test('the CLI\'s exported files pass onnx.checker.check_model(full_check=True)', () => {
  const files = [path.join(tmp, 'out', 'resnet20.onnx'), ...onnxFiles(run).map((f) => path.join(run, f)), ...onnxFiles(tv).map((f) => path.join(tv, f))];
  const out = path.join(tmp, 'out', 'resnet20-opset11.onnx');
  expect(runCli(['export', '--weights', run, '--format', 'onnx', '--out', out, '--opset', '11']).code).toBe(0);
  files.push(out);
  expect(files).toHaveLength(4);
  expect(checkOnnxFiles(PYTHON, files)).toEqual(Object.fromEntries(files.map((f) => [f, null])));
});

describe('bad input: one line naming the file and the problem, exit code 2', () => {
  const expectOneLine = (r: ReturnType<typeof runCli>, message: RegExp | string) => {
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    if (typeof message === 'string') expect(r.stderr).toContain(message);
    else expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };
  const out = () => path.join(tempDir('export-bad'), 'm.onnx');

  test('a detector checkpoint without its classes and config cannot be exported', () => {
    const det = path.join(tmp, 'detector');
    fs.mkdirSync(det);
    fs.writeFileSync(path.join(det, 'step-0000004.json'), JSON.stringify({ format: 'resdet-checkpoint', version: 1, kind: 'detector', step: 4 }));
    fs.writeFileSync(path.join(det, 'step-0000004.safetensors'), '');
    fs.writeFileSync(path.join(det, 'last_checkpoint'), 'step-0000004\n');
    const o = out();
    expectOneLine(runCli(['export', '--weights', det, '--format', 'onnx', '--out', o]),
      `resdet: error: ${path.join(det, 'step-0000004.json')}: a detector checkpoint without its classes and config, which resdet needs to rebuild the model`);
    expect(fs.existsSync(o)).toBe(false);
    expectOneLine(runCli(['classify', 'predict', '--weights', det, '--engine', 'onnxruntime', images[0]]),
      `resdet: error: ${path.join(det, 'step-0000004.json')}: a detector checkpoint, not a classifier`);
  });

  test('a file that is no checkpoint, without and with --arch', () => {
    const notes = path.join(tmp, 'notes.txt');
    fs.writeFileSync(notes, 'not weights\n');
    expectOneLine(runCli(['export', '--weights', notes, '--format', 'onnx', '--out', out()]), `${notes}: not a resdet checkpoint; pass --arch`);
    expectOneLine(runCli(['export', '--weights', notes, '--arch', 'resnet18', '--format', 'onnx', '--out', out()]), notes);
    expectOneLine(runCli(['export', '--weights', path.join(tmp, 'nothing-here'), '--format', 'onnx', '--out', out()]), `${path.join(tmp, 'nothing-here')}: no such file or folder`);
  });

  test('an opset below what the graph needs names the ops and their opsets; one outside 9-17 says the range', () => {
    expectOneLine(runCli(['export', '--weights', run, '--format', 'onnx', '--out', out(), '--opset', '9']),
      'resdet: error: --opset 9 is too old for this graph, which needs opset 11: Pad (pads as an input, opset 11), Slice (starts/ends/axes/steps as inputs, opset 10)');
    expectOneLine(runCli(['export', '--weights', run, '--format', 'onnx', '--out', out(), '--opset', '18']), '--opset 18: resdet writes opsets 9–17');
    expectOneLine(runCli(['export', '--weights', run, '--format', 'onnx', '--out', out(), '--opset', 'x']), "--opset must be an integer, got 'x'");
  });

  test('an unknown architecture, an unknown format, a missing --out', () => {
    expectOneLine(runCli(['export', '--weights', run, '--arch', 'resnet19', '--format', 'onnx', '--out', out()]), "unknown architecture 'resnet19'");
    expectOneLine(runCli(['export', '--weights', run, '--format', 'tflite', '--out', out()]), /'tflite' is invalid\. Allowed choices are onnx, web/);
    expectOneLine(runCli(['export', '--weights', run, '--format', 'onnx']), /required option '--out <path>' not specified/);
  });

  test('classify predict on a .onnx file that is not ONNX, not resdet\'s, or with --engine tfjs', () => {
    const junk = path.join(tmp, 'junk.onnx');
    fs.writeFileSync(junk, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expectOneLine(runCli(['classify', 'predict', '--weights', junk, images[0]]), `${junk}: not an ONNX model`);
    const foreign = path.join(tmp, 'foreign.onnx');
    const { onnx } = require('onnx-proto') as typeof import('onnx-proto');
    fs.writeFileSync(foreign, onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g' } }).finish());
    expectOneLine(runCli(['classify', 'predict', '--weights', foreign, images[0]]), `${foreign}: no 'resdet.classifier' metadata: not a classifier exported by resdet export`);
    expectOneLine(runCli(['classify', 'predict', '--weights', path.join(tmp, 'out', 'resnet20.onnx'), '--engine', 'tfjs', images[0]]), 'an ONNX model runs on the onnxruntime engine (--engine onnxruntime), not tfjs');
    expectOneLine(runCli(['classify', 'predict', '--weights', path.join(tmp, 'out', 'resnet20.onnx'), '--arch', 'resnet56', images[0]]), 'a model of architecture resnet20, but --arch resnet56 was given');
  });
});
