/**
 * resdet's side of the ONNX parity tests, computed in a plain node process from the built package (dist/):
 * building ResNet-50 inside jest's module sandbox takes tens of times longer than in node. For each net it
 * builds the ResNet (He init), gives every batch norm non-trivial statistics and affine parameters (seeded:
 * γ in [0.5, 1.5), β and μ in [-0.3, 0.3), σ² in [0.3, 2.3)), exports it with resdet's exporter, and computes
 * resdet's own eval-mode logits of seeded random images (integers 0–255, NHWC) through the tfjs predict path's
 * normalisation (backbone/classifier/predict.ts normalisedInput) on the given backend.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './cli';

export interface NetSpec {
  /** file stem of the export */
  name: string;
  arch: string;
  options?: Record<string, unknown>;
  /** ClassifierInfo.imageShape ([h, w, c]; null: ImageNet weights) */
  imageShape: [number, number, number] | null;
  mean: number[];
  std: number[];
  /** the images: [batch, height, width] each */
  inputs: Array<[number, number, number]>;
  opset?: number;
  seed: number;
}

export interface NetReference {
  file: string;
  classes: number;
  /** per input: its pixels (u8 values, NHWC) and resdet's logits [batch * classes] */
  cases: Array<{ dims: [number, number, number]; pixels: number[]; logits: number[] }>;
}

/** The child's common part: dist's modules, a seeded generator, and a ResNet with non-trivial batch norms. */
const PRELUDE = `
const D = ${JSON.stringify(path.join(ROOT, 'dist'))};
const tf = require(require.resolve('@tensorflow/tfjs', { paths: [D] }));
const fs = require('fs'), path = require('path');
const { buildResNet } = require(D + '/backbone/resnet');
const { BatchNorm2d } = require(D + '/engine/nn/batch_norm2d');
function generator(seed) {
  let state = seed >>> 0;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return { next, uniform: (n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next()) };
}
function randomNet(s, rng) {
  const model = buildResNet(s.arch, s.options || {});
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof BatchNorm2d)) continue;
    const c = m.numFeatures;
    const set = (v, a) => tf.tidy(() => v.assign(tf.tensor1d(a)));
    set(m.weight.variable, rng.uniform(c, 0.5, 1.5));
    set(m.bias.variable, rng.uniform(c, -0.3, 0.3));
    set(m.runningMean, rng.uniform(c, -0.3, 0.3));
    set(m.runningVar, rng.uniform(c, 0.3, 2.3));
  }
  model.eval();
  const info = { arch: s.arch, options: model.options, classNames: Array.from({ length: model.options.numClasses }, (_, i) => 'class' + i),
    imageShape: s.imageShape, mean: s.mean, std: s.std };
  return { model, info };
}
`;

const SCRIPT = `${PRELUDE}
const [specsJson, dir, backend] = process.argv.slice(1);
(async () => {
  await require(D + '/engine/backend').initBackend(backend);
  const { exportClassifier } = require(D + '/export/classifier/export_classifier');
  const { normalisedInput } = require(D + '/backbone/classifier/predict');
  const out = {};
  for (const s of JSON.parse(specsJson)) {
    const rng = generator(s.seed);
    const { model, info } = randomNet(s, rng);
    const file = path.join(dir, s.name + '.onnx');
    fs.writeFileSync(file, exportClassifier(model, info, { opset: s.opset, source: s.name }));
    const cases = [];
    for (const [n, h, w] of s.inputs) {
      const pixels = Array.from({ length: n * h * w * 3 }, () => Math.floor(256 * rng.next()));
      const logits = [];
      for (let b = 0; b < n; b++) {
        const img = { data: Uint8Array.from(pixels.slice(b * h * w * 3, (b + 1) * h * w * 3)), width: w, height: h };
        const y = tf.tidy(() => model.classify(normalisedInput(img, info, model.options.inputChannels)).dataSync());
        logits.push(...y);
      }
      cases.push({ dims: [n, h, w], pixels, logits });
    }
    out[s.name] = { file, classes: model.options.numClasses, cases };
    model.dispose();
  }
  fs.writeFileSync(path.join(dir, 'reference.json'), JSON.stringify(out));
})().catch((e) => { console.error(e.stack); process.exit(1); });
`;

const CHECKPOINT_SCRIPT = `${PRELUDE}
const [specJson, folder, tag, metaless] = process.argv.slice(1);
(async () => {
  await require(D + '/engine/backend').initBackend('cpu');
  const { saveCheckpoint } = require(D + '/run/checkpoint');
  const s = JSON.parse(specJson);
  const { model, info } = randomNet(s, generator(s.seed));
  const file = await saveCheckpoint(folder, tag, model, { kind: 'classifier', step: 1, classifier: info });
  if (metaless === 'yes') for (const f of [tag + '.json', 'last_checkpoint']) fs.rmSync(path.join(folder, f));
  model.dispose();
  process.stdout.write(file);
})().catch((e) => { console.error(e.stack); process.exit(1); });
`;

/**
 * A classifier checkpoint of a random net (batch norms as above) in `folder` as `<tag>.safetensors` + `<tag>.json`;
 * with `metaless`, the weights file alone (as torchvision weights are: the architecture must be named). Returns
 * the weights file.
 */
export function makeClassifierCheckpoint(spec: Omit<NetSpec, 'inputs' | 'name'>, folder: string, tag = 'step-0000001', metaless = false): string {
  return execFileSync(process.execPath, ['-e', CHECKPOINT_SCRIPT, JSON.stringify(spec), folder, tag, metaless ? 'yes' : 'no'], { encoding: 'utf8', timeout: 300_000 });
}

/** Exports every net into `dir` and returns resdet's logits of its inputs, by name. */
export function resdetReference(specs: NetSpec[], dir: string, backend = 'cpu'): Record<string, NetReference> {
  execFileSync(process.execPath, ['-e', SCRIPT, JSON.stringify(specs), dir, backend], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  return JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
}

/** Runs onnx.checker.check_model(full_check=True) from `python` on each file: null when it passes, else the checker's message. */
export function checkOnnxFiles(python: string, files: string[]): Record<string, string | null> {
  const script = [
    'import json, sys, onnx',
    'out = {}',
    'for f in sys.argv[1:]:',
    '    try:',
    '        onnx.checker.check_model(onnx.load(f), full_check=True)',
    '        out[f] = None',
    '    except Exception as e:',
    '        out[f] = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__',
    'print(json.dumps(out))',
  ].join('\n');
  const stdout = execFileSync(python, ['-c', script, ...files], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 24 });
  return JSON.parse(stdout);
}

export interface OrtCase {
  file: string;
  /** NHWC u8 pixel values of `dims[0]` images */
  pixels: number[];
  /** [batch, height, width] */
  dims: [number, number, number];
}

const ORT_SCRIPT = `
const [casesFile] = process.argv.slice(1);
const D = ${JSON.stringify(path.join(ROOT, 'dist'))};
const fs = require('fs');
const { OnnxClassifier, nchw } = require(D + '/export/runtime/onnx_classifier');
(async () => {
  const out = [];
  for (const k of JSON.parse(fs.readFileSync(casesFile, 'utf8'))) {
    const [n, h, w] = k.dims;
    const x = new Float32Array(n * 3 * h * w);
    for (let b = 0; b < n; b++) x.set(nchw({ data: Uint8Array.from(k.pixels.slice(b * h * w * 3, (b + 1) * h * w * 3)), width: w, height: h }), b * 3 * h * w);
    const c = await OnnxClassifier.open(fs.readFileSync(k.file), null, k.file);
    out.push(Array.from(await c.logits(x, [n, 3, h, w])));
    c.dispose();
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e.stack); process.exit(1); });
`;

/**
 * ONNX Runtime's logits of each case, from a plain node process running dist's OnnxClassifier: in jest's
 * sandbox, onnxruntime-node's outputs fail its own Float32Array check (typed arrays of another realm).
 */
export function onnxRuntimeLogits(cases: OrtCase[], dir: string): number[][] {
  const casesFile = path.join(dir, `ort-cases-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(casesFile, JSON.stringify(cases));
  const stdout = execFileSync(process.execPath, ['-e', ORT_SCRIPT, casesFile], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 26 });
  return JSON.parse(stdout);
}
