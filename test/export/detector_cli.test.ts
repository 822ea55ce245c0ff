/**
 * Detectors through the CLI: `resdet export --format onnx` writes the image-to-detections graph (the checker
 * passes it, its metadata carries the class map), and `resdet predict --engine onnxruntime` — on the checkpoint
 * (exported on the fly, cached next to it, reused) or on the `.onnx` file — writes the same detections.json as
 * the tfjs engine: ≥ 99% of its detections (same category, IoU ≥ 0.99, score within 1e-3), both ways; `--set`
 * overrides reach the export; the library's `loadDetector(path, { engine: 'onnxruntime' })` agrees with tfjs. Bad input — an opset too old for the graph (naming the ops), a detector
 * checkpoint that is no model, a classifier given to predict or to the web export — ends in one line, exit code 2.
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { runCli, ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';
import { detectorReference, DetectorReference, iou, reproduced } from '../helpers/detector_reference';
import { checkOnnxFiles, makeClassifierCheckpoint } from '../helpers/onnx_reference';
import { requires, PYTHON } from '../helpers/requirements';
import { readMetadata } from '../../export/onnx/model_proto';
import { detectorInfoFromMetadata } from '../../export/detector/detector_metadata';

const tmp = tempDir('detector-cli');
const DEMO = { config: 'configs/demo.yaml', numClasses: 4, calibrate: [256, 320] as [number, number], classWeightScale: 10, images: [[200, 150], [160, 224]] as Array<[number, number]> };
let demo: DetectorReference;
let aligned: DetectorReference;

beforeAll(() => {
  demo = detectorReference({ name: 'demo', ...DEMO, sets: ['model.roiHeads.scoreThresh=0.05'], seed: 5 }, tmp);
  aligned = detectorReference({ name: 'aligned', ...DEMO, sets: ['model.roiHeads.scoreThresh=0.05', 'model.roiHeads.aligned=true'], seed: 6, opset: 16 }, tmp);
}, 600_000);

interface CocoDet { file_name: string; category_id: number; bbox: number[]; score: number }

const xyxy = (b: number[]) => [b[0], b[1], b[0] + b[2], b[1] + b[3]];

/** Share of `ref`'s results found in `got`: same image and category, IoU ≥ 0.99, score within 1e-3. */
function found(ref: CocoDet[], got: CocoDet[]): number {
  const hit = ref.filter((r) => got.some((d) => d.file_name === r.file_name && d.category_id === r.category_id && iou(xyxy(r.bbox), xyxy(d.bbox)) >= 0.99 && Math.abs(d.score - r.score) <= 1e-3));
  return hit.length / ref.length;
}

function predict(weights: string, out: string, extra: string[] = []): { results: CocoDet[]; stderr: string } {
  const r = runCli(['predict', '--weights', weights, '--out', out, '--no-draw', '--score-thresh', '0.2', ...extra, ...demo.files]);
  expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
  return { results: JSON.parse(fs.readFileSync(path.join(out, 'detections.json'), 'utf8')), stderr: r.stderr };
}

test('resdet export writes the detector graph with its class map', () => {
  const file = path.join(tmp, 'cli', 'demo.onnx');
  const r = runCli(['export', '--weights', path.dirname(demo.checkpoint), '--format', 'onnx', '--out', file]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Faster R-CNN fpn (resnet18) detector, 4 classes');
  const info = detectorInfoFromMetadata(readMetadata(fs.readFileSync(file)), file);
  expect(info.classes.names).toEqual(['class0', 'class1', 'class2', 'class3']);
  expect(info.transform.shortSides).toEqual([256]);
  if (!requires('onnx').why) expect(checkOnnxFiles(PYTHON, [file])[file]).toBeNull();
});

test('predict --engine onnxruntime gives the tfjs engine\'s detections, on the checkpoint (cached export) and on the .onnx file', () => {
  const ckpt = path.dirname(demo.checkpoint);
  const tfjs = predict(ckpt, path.join(tmp, 'p-tfjs')).results;
  expect(tfjs.length).toBeGreaterThan(50);
  const first = predict(ckpt, path.join(tmp, 'p-ort'), ['--engine', 'onnxruntime']);
  expect(first.stderr).toMatch(/exported to ONNX: .*step-0000001\.[0-9a-f]{16}\.onnx/);
  const again = predict(ckpt, path.join(tmp, 'p-ort2'), ['--engine', 'onnxruntime']);
  expect(again.stderr).toMatch(/ONNX export reused/);
  const onnxFile = predict(demo.onnxFile, path.join(tmp, 'p-file')).results;
  for (const got of [first.results, again.results, onnxFile]) {
    expect(got.length).toBe(tfjs.length);
    expect(found(tfjs, got)).toBeGreaterThanOrEqual(0.99);
    expect(found(got, tfjs)).toBeGreaterThanOrEqual(0.99);
  }
});

test('--set overrides reach the on-the-fly export', () => {
  const ckpt = path.dirname(demo.checkpoint);
  const set = ['--set', 'model.roiHeads.detectionsPerImage=7'];
  const tfjs = predict(ckpt, path.join(tmp, 's-tfjs'), set).results;
  const ort = predict(ckpt, path.join(tmp, 's-ort'), [...set, '--engine', 'onnxruntime']).results;
  expect(tfjs.length).toBeLessThanOrEqual(14);
  expect(ort.length).toBe(tfjs.length);
  expect(found(tfjs, ort)).toBe(1);
});

test('the library: loadDetector(path, { engine: \'onnxruntime\' }) detects what the tfjs Detector does', () => {
  // ONNX Runtime does not run inside jest's sandbox: a plain node process uses the built package
  const script = `
    const r = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
    (async () => {
      await r.initBackend();
      const out = {};
      for (const engine of ['tfjs', 'onnxruntime']) {
        const d = await r.loadDetector(process.argv[1], { engine });
        out[engine] = await d.detect(process.argv[2], 0.2);
        d.dispose();
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e.stack); process.exit(1); });`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script, demo.checkpoint, demo.files[0]], { encoding: 'utf8', timeout: 300_000 }));
  expect(out.tfjs.length).toBeGreaterThan(20);
  expect(out.onnxruntime.length).toBe(out.tfjs.length);
  expect(reproduced(out.tfjs, out.onnxruntime)).toBeGreaterThanOrEqual(0.99);
  expect(out.onnxruntime[0].className).toBe(out.tfjs[0].className);
});

describe('bad input: one line, exit 2', () => {
  const expectOneLine = (r: { code: number; stderr: string }, message: string) => {
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  };
  const out = () => path.join(tempDir('detector-bad'), 'm.onnx');

  test('an opset below what the graph needs names the ops', () => {
    expectOneLine(runCli(['export', '--weights', demo.checkpoint, '--format', 'onnx', '--out', out(), '--opset', '12']),
      '--opset 12 is too old for this graph, which needs opset 13: ReduceSum (axes as an input, opset 13), Resize (sizes as an input with roi and scales left out, opset 13), Unsqueeze (axes as an input, opset 13)');
    expectOneLine(runCli(['export', '--weights', aligned.checkpoint, '--format', 'onnx', '--out', out(), '--opset', '15']),
      "--opset 15 is too old for this graph, which needs opset 16: RoiAlign(half_pixel) (coordinate_transformation_mode 'half_pixel', resdet's aligned RoIAlign, opset 16)");
  });

  test('a classifier given to predict on onnxruntime, as checkpoint or .onnx file', () => {
    const cls = path.join(tmp, 'classifier');
    const weights = makeClassifierCheckpoint({ arch: 'resnet20', options: { widthMultiplier: 0.25 }, imageShape: [32, 32, 3], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], seed: 3 }, cls);
    expectOneLine(runCli(['predict', '--weights', weights, '--engine', 'onnxruntime', '--out', path.join(tmp, 'x'), ...demo.files]), 'a classifier checkpoint, not a detector');
    const file = path.join(tmp, 'classifier.onnx');
    expect(runCli(['export', '--weights', weights, '--format', 'onnx', '--out', file]).code).toBe(0);
    expectOneLine(runCli(['predict', '--weights', file, '--out', path.join(tmp, 'x'), ...demo.files]), `${file}: a resdet classifier model, not a detector`);
    const page = path.join(tmp, 'classifier-web');
    expectOneLine(runCli(['export', '--weights', weights, '--format', 'web', '--out', page]), `${weights}: --format web shows detectors, and this is a classifier`);
    expect(fs.existsSync(page)).toBe(false);
  });
});
