/**
 * Classifiers exported to ONNX (export/classifier/) and run by ONNX Runtime give resdet's own logits: within
 * 1e-4 relative (largest difference over the largest logit) for ResNet-18 and ResNet-50 (option B), CIFAR
 * ResNet-20 (option A: strided Slice + zero-channel Pad), a plain net, ImageNet-style nets with option A and C
 * shortcuts and the stride in the 1x1, and a one-channel (grey) net — each at two input sizes, odd ones
 * included, one of them a batch of two. Every batch norm has random statistics, so a fold that dropped the mean,
 * the variance, γ or β would be off by far more. Every exported file passes Debian's python3-onnx
 * `onnx.checker.check_model(full_check=True)`; the IR version resdet writes for each opset is the one ONNX's
 * own version table gives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { readMetadata } from '../../export/onnx/model_proto';
import { classifierInfoFromMetadata } from '../../export/classifier/classifier_metadata';
import { irVersionFor, MIN_OPSET, MAX_OPSET } from '../../export/onnx/opsets';
import { resdetReference, checkOnnxFiles, onnxRuntimeLogits, NetSpec, NetReference } from '../helpers/onnx_reference';
import { requires, PYTHON } from '../helpers/requirements';
import { tempDir } from '../helpers/temp_dir';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const CIFAR = { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] };

const SPECS: NetSpec[] = [
  { name: 'resnet18', arch: 'resnet18', imageShape: null, ...IMAGENET, inputs: [[1, 64, 64], [2, 57, 71]], seed: 1 },
  { name: 'resnet50', arch: 'resnet50', imageShape: null, ...IMAGENET, inputs: [[1, 64, 64], [1, 45, 83]], seed: 2 },
  { name: 'resnet20', arch: 'resnet20', imageShape: [32, 32, 3], ...CIFAR, inputs: [[1, 32, 32], [2, 27, 41]], seed: 3 },
  { name: 'plain20', arch: 'plain20', imageShape: [32, 32, 3], ...CIFAR, inputs: [[1, 32, 32], [1, 19, 23]], seed: 4 },
  { name: 'plain18', arch: 'plain18', options: { widthMultiplier: 0.25, numClasses: 6 }, imageShape: [64, 64, 3], ...CIFAR, inputs: [[1, 64, 64], [1, 49, 35]], seed: 5 },
  { name: 'resnet34-A', arch: 'resnet34', options: { shortcut: 'A', widthMultiplier: 0.25, numClasses: 7 }, imageShape: [64, 64, 3], ...CIFAR, inputs: [[1, 64, 64], [1, 50, 38]], seed: 6 },
  { name: 'resnet18-C', arch: 'resnet18', options: { shortcut: 'C', widthMultiplier: 0.5, numClasses: 9 }, imageShape: null, ...IMAGENET, inputs: [[1, 64, 64], [1, 41, 67]], seed: 7 },
  { name: 'resnet50-stride1x1', arch: 'resnet50', options: { strideIn1x1: true, widthMultiplier: 0.25, numClasses: 11 }, imageShape: null, ...IMAGENET, inputs: [[1, 64, 64], [1, 70, 44]], seed: 8 },
  { name: 'resnet20-grey', arch: 'resnet20', options: { inputChannels: 1 }, imageShape: [28, 28, 1], mean: [0.286], std: [0.353], inputs: [[1, 28, 28], [1, 32, 30]], seed: 9 },
  { name: 'resnet20-opset11', arch: 'resnet20', options: { widthMultiplier: 0.5 }, imageShape: [32, 32, 3], ...CIFAR, inputs: [[1, 32, 32]], opset: 11, seed: 10 },
  { name: 'resnet18-opset9', arch: 'resnet18', options: { widthMultiplier: 0.25, numClasses: 4 }, imageShape: null, ...IMAGENET, inputs: [[1, 48, 48]], opset: 9, seed: 11 },
];

const dir = tempDir('onnx-classifiers');
let refs: Record<string, NetReference>;

beforeAll(() => {
  refs = resdetReference(SPECS, dir);
}, 900_000);

/** Largest |difference| over the largest |reference|: the logits' error relative to their scale. */
function relativeError(ref: ArrayLike<number>, got: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i] - got[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / scale;
}

let ort: Record<string, number[][]>;

beforeAll(() => {
  const cases = SPECS.flatMap((s) => refs[s.name].cases.map((k) => ({ file: refs[s.name].file, pixels: k.pixels, dims: k.dims })));
  const logits = onnxRuntimeLogits(cases, dir);
  ort = {};
  SPECS.forEach((s) => (ort[s.name] = logits.splice(0, refs[s.name].cases.length)));
}, 900_000);

describe.each(SPECS.map((s) => [s.name, s] as const))('%s', (name, spec) => {
  test('the file says what it is: architecture, classes, input preparation', () => {
    const info = classifierInfoFromMetadata(readMetadata(fs.readFileSync(refs[name].file)), refs[name].file);
    expect(info.arch).toBe(spec.arch);
    expect(info.classNames).toHaveLength(refs[name].classes);
    expect(info.imageShape).toEqual(spec.imageShape);
    expect([info.mean, info.std]).toEqual([spec.mean, spec.std]);
  });

  test('ONNX Runtime gives resdet\'s logits within 1e-4 relative at each input size', () => {
    refs[name].cases.forEach((k, i) => {
      const got = ort[name][i];
      expect(got.length).toBe(k.dims[0] * refs[name].classes);
      const scale = Math.max(...k.logits.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-3); // logits that say something: not all zero, no overflow
      expect(Number.isFinite(scale)).toBe(true);
      const err = relativeError(k.logits, got);
      expect({ name, dims: k.dims, err: err < 1e-4 ? 'ok' : err }).toEqual({ name, dims: k.dims, err: 'ok' });
    });
  });
});

test('a fold that is off shows: the same net with the stem\'s folded bias negated is far from resdet', async () => {
  const ref = refs.resnet20;
  const { onnx } = await import('onnx-proto');
  const model = onnx.ModelProto.decode(fs.readFileSync(ref.file));
  const bias = model.graph!.initializer!.find((t) => t.name === 'conv1.bias')!;
  const values = new Float32Array(Uint8Array.from(bias.rawData!).buffer);
  bias.rawData = new Uint8Array(values.map((v) => -v).buffer);
  const changed = path.join(dir, 'resnet20-changed.onnx');
  fs.writeFileSync(changed, onnx.ModelProto.encode(model).finish());
  const k = ref.cases[0];
  const [got] = onnxRuntimeLogits([{ file: changed, pixels: k.pixels, dims: k.dims }], dir);
  expect(relativeError(k.logits, got)).toBeGreaterThan(1e-2);
});

const onnxChecker = requires('onnx');

onnxChecker.test('every exported file passes onnx.checker.check_model(full_check=True)', () => {
  const files = SPECS.map((s) => refs[s.name].file);
  const verdicts = checkOnnxFiles(PYTHON, files);
  expect(verdicts).toEqual(Object.fromEntries(files.map((f) => [f, null])));
});

onnxChecker.test('the checker does fail a broken file (a node reading a value nothing produces)', async () => {
  const { onnx } = await import('onnx-proto');
  const model = onnx.ModelProto.decode(fs.readFileSync(refs.plain20.file));
  model.graph!.node![3].input![0] = 'no_such_value';
  const broken = path.join(dir, 'broken.onnx');
  fs.writeFileSync(broken, onnx.ModelProto.encode(model).finish());
  expect(checkOnnxFiles(PYTHON, [broken])[broken]).toMatch(/no_such_value/);
});

onnxChecker.test('IR version and opset: the ones of ONNX\'s own version table, for every opset resdet writes', () => {
  // onnx.helper.VERSION_TABLE rows: (release, IR version, default-domain opset, ML opset[, training opset])
  const script = 'import json, onnx.helper as h\nprint(json.dumps([[r[1], r[2]] for r in h.VERSION_TABLE]))';
  const table = JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' })) as Array<[number, number]>;
  for (let opset = MIN_OPSET; opset <= MAX_OPSET; opset++) {
    const first = table.find(([, o]) => o === opset);
    expect([opset, irVersionFor(opset)]).toEqual([opset, first![0]]);
  }
  const files = SPECS.map((s) => refs[s.name].file);
  const script2 = 'import json, sys, onnx\nprint(json.dumps([[m.ir_version, [(o.domain, o.version) for o in m.opset_import]] for m in map(onnx.load, sys.argv[1:])]))';
  const got = JSON.parse(execFileSync(PYTHON, ['-c', script2, ...files], { encoding: 'utf8', maxBuffer: 1 << 24 }));
  expect(got).toEqual(SPECS.map((s) => [irVersionFor(s.opset ?? 17), [['', s.opset ?? 17]]]));
});

test('exporting and classifying on tfjs leave no tensor behind', async () => {
  const tf = await import('@tensorflow/tfjs');
  const { initBackend } = await import('../../engine/backend');
  const { buildResNet } = await import('../../backbone/resnet');
  const { exportClassifier } = await import('../../export/classifier/export_classifier');
  const { TfjsClassifier } = await import('../../backbone/classifier/predict');
  const sharp = (await import('sharp')).default;
  await initBackend('cpu');
  const image = path.join(dir, 'flat.png');
  await sharp({ create: { width: 20, height: 24, channels: 3, background: { r: 90, g: 120, b: 200 } } }).png().toFile(image);
  const start = tf.memory().numTensors;
  const model = buildResNet('resnet20', { widthMultiplier: 0.25 }).eval();
  const info = { arch: 'resnet20', options: model.options, classNames: Array.from({ length: 10 }, (_, i) => `c${i}`), imageShape: [32, 32, 3] as [number, number, number], ...CIFAR };
  const built = tf.memory().numTensors;
  expect(exportClassifier(model, info).length).toBeGreaterThan(10_000);
  expect(tf.memory().numTensors).toBe(built); // the export reads the variables, makes no tensor
  const classifier = new TfjsClassifier(model, info);
  expect(await classifier.classify(image, 3)).toHaveLength(3);
  classifier.dispose(); // the model, and the folded filters its eval-mode forward cached
  expect(tf.memory().numTensors).toBe(start);
});
