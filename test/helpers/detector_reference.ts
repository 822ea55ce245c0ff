/**
 * resdet's side and ONNX Runtime's side of the detector parity tests, in a plain node process from dist/
 * (detector_reference_script.js; onnxruntime-node does not run inside jest's sandbox): a detector with random
 * weights and batch norm calibrated on one pass (detection/detector_bench.ts), its class-score weights widened
 * so that scores spread over (0, 1), saved as a checkpoint; test images; resdet's detections of them
 * (loadDetector + detect, original pixels); the checkpoint exported by `exportCheckpoint`; ONNX Runtime's.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './cli';

export interface DetectorSpec {
  name: string;
  /** a config of configs/, with `--set` style overrides */
  config: string;
  sets: string[];
  numClasses: number;
  /** [height, width] of the calibration image */
  calibrate: [number, number];
  classWeightScale: number;
  /** [width, height] of each test image */
  images: Array<[number, number]>;
  seed: number;
  opset?: number;
  backend?: string;
}

export interface Det {
  box: [number, number, number, number];
  label: number;
  score: number;
}

export interface DetectorReference {
  checkpoint: string;
  onnxFile: string;
  files: string[];
  /** per image */
  resdet: Det[][];
  onnx: Det[][];
}

export function detectorReference(spec: DetectorSpec, dir: string): DetectorReference {
  const script = path.join(ROOT, 'test', 'helpers', 'detector_reference_script.js');
  // resdet's side with direct convolutions, as ONNX Runtime computes them: these tests judge the exported graph.
  // Winograd's inference kernels (on by default) differ from direct ones by ~1e-6 relative, which on one of these
  // random networks fed unscaled pixels moved a saturated detection's box to IoU 0.986; their own agreement with
  // the direct kernels is test/engine/native_winograd.test.ts's.
  const env = { ...process.env, RESDET_CONV_WINOGRAD: '0' };
  execFileSync(process.execPath, [script, ROOT, JSON.stringify(spec), dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000, env });
  return JSON.parse(fs.readFileSync(path.join(dir, `${spec.name}.json`), 'utf8'));
}

export function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** The share of `ref`'s detections found in `got`: same label, IoU ≥ 0.99, score within 1e-3. */
export function reproduced(ref: Det[], got: Det[]): number {
  if (!ref.length) return got.length ? 0 : 1;
  const found = ref.filter((r) => got.some((d) => d.label === r.label && iou(r.box, d.box) >= 0.99 && Math.abs(r.score - d.score) <= 1e-3));
  return found.length / ref.length;
}
