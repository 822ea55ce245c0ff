/**
 * Loads resdet's native addon (engine/native/build/Release/resdet_native.node, built by
 * `npm run build:native` or during `npm ci` when libdnnl-dev is installed) and sets its thread count from
 * RESDET_THREADS (default: the cores, shared among the resdet processes using it at the time). When it is
 * missing, `nativeAddon()` is null and `nativeMissingReason()` says why (the build's first error line when a
 * build failed).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { registerNativeWorker, threadShare } from './worker_registry';
import { launchedAs } from '../distributed/launcher_env';

export interface NativeAddon {
  info(): { onednn: string; runtime: string; threads: number; cores: number; isa: number };
  setThreads(n: number): number;
  /** The Linux thread ids of the OpenMP team the kernels run on, the calling thread first (empty elsewhere). */
  kernelThreadIds(): number[];
  /** wid > 0: the same weights come again unchanged; the addon keeps them in its layout until releaseWeights(wid) */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, geom: Int32Array, wid?: number, add?: Float32Array | null): void;
  releaseWeights(wid: number): void;
  /** Whether convolutions outside gradient recording may use Winograd (3x3, stride 1; on by default, RESDET_CONV_WINOGRAD=0 turns it off). */
  setConvWinograd(on: boolean): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geom: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geom: Int32Array): void;
  batchNormTrain(x: Float32Array, scale: Float32Array, offset: Float32Array, y: Float32Array,
    mean: Float32Array, variance: Float32Array, shape: Int32Array, eps: number, relu?: boolean): void;
  batchNormTrainGrad(dy: Float32Array, x: Float32Array, scale: Float32Array, mean: Float32Array,
    variance: Float32Array, dx: Float32Array, dscale: Float32Array, doffset: Float32Array, shape: Int32Array, eps: number,
    reluOutput?: Float32Array | null): void;
  sgdStep(p: Float32Array, buf: Float32Array | null, grad: Float32Array, pOut: Float32Array, bufOut: Float32Array | null,
    lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  matmul(a: Float32Array, b: Float32Array, bias: Float32Array | null, out: Float32Array, geom: Int32Array): void;
  binary(op: number, a: Float32Array, aStrides: number[], b: Float32Array, bStrides: number[], out: Float32Array, shape: number[]): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  reluGrad(dy: Float32Array, x: Float32Array, out: Float32Array): void;
  addN(xs: Float32Array[], out: Float32Array): void;
  reduce(op: number, x: Float32Array, A: number, R: number, B: number, out: Float32Array): void;
  pool(isMax: boolean, x: Float32Array, y: Float32Array, geom: Int32Array): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, geom: Int32Array): void;
  avgPoolGrad(dy: Float32Array, dx: Float32Array, geom: Int32Array): void;
  /** geom [N, H, W, C, K, oh, ow, samplingRatio, aligned ? 1 : 0]; rois [K,5] rows (batch, x1, y1, x2, y2). */
  roiAlign(features: Float32Array, rois: Float32Array, out: Float32Array, geom: Int32Array, spatialScale: number): void;
  roiAlignGrad(dy: Float32Array, rois: Float32Array, dx: Float32Array, geom: Int32Array, spatialScale: number): void;
  /** geom [N, H, W, C, K, oh, ow]. */
  roiPool(features: Float32Array, rois: Float32Array, out: Float32Array, geom: Int32Array, spatialScale: number): void;
  roiPoolGrad(dy: Float32Array, features: Float32Array, rois: Float32Array, dx: Float32Array, geom: Int32Array, spatialScale: number): void;
  /** src/copy.cc; geom [rank, srcOffset, dstOffset, shape, srcStrides, dstStrides] in elements; any element size. */
  copyStrided(src: ArrayBufferView, dst: ArrayBufferView, geom: Float64Array): void;
  /** src/gather.cc; x viewed as geom [outer, dim, slice]; out [outer, indices.length, slice]. */
  gather(x: ArrayBufferView, indices: Int32Array, out: ArrayBufferView, geom: Float64Array): void;
  /** src/resize_nearest.cc; geom [B, H, W, C, newH, newW, alignCorners, halfPixelCenters] (0/1 flags). */
  resizeNearest(x: Float32Array, out: Float32Array, geom: Float64Array): void;
  /** geom [B, H, W, C, dyH, dyW, alignCorners, halfPixelCenters]; dx is [B, H, W, C]. */
  resizeNearestGrad(dy: Float32Array, dx: Float32Array, geom: Float64Array): void;
  /** src/boxes.cc: the detector's host loops, bit for bit what their JS originals compute (engine/native/host_loops.ts). */
  boxIou(a: Float32Array, N: number, b: Float32Array, M: number, out: Float32Array, from: number): void;
  /** returns the index of the first NaN in q (nothing written), else -1 */
  matchQuality(q: Float32Array, M: number, N: number, low: number, high: number, allowLow: boolean, out: Int32Array): number;
  topK(values: Float32Array, k: number, out: Int32Array): void;
  /** returns how many indices it wrote to out */
  nmsGreedy(b: Float32Array, order: Int32Array, from: number, to: number, thr: number, maxKeep: number, out: Int32Array): number;
}

/** The folder holding binding.gyp and build/ (this file runs from engine/native or dist/engine/native). */
export function nativeDir(): string {
  const candidates = [__dirname, path.resolve(__dirname, '..', '..', '..', 'engine', 'native')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'binding.gyp'))) ?? candidates[0];
}

export const BUILD_ERROR_FILE = 'build/BUILD_ERROR.txt';

let loaded: { addon: NativeAddon | null; why: string } | null = null;

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? s;
}

/**
 * OpenMP's wait policy, set before the addon (and libgomp) loads unless the user set one: on a machine already
 * busy (1-minute load average at or above the cores) waiting threads sleep instead of spinning — with spinning,
 * every parallel region waits for a descheduled peer while its spinner takes that peer's core (measured here
 * under load 9-12 on 2 cores: ResNet-20 steps 5.8-7.8 s spinning, 2.7-3.3 s passive). On a quiet machine the
 * default (spin, then sleep) keeps wake-ups fast.
 */
export function chooseWaitPolicy(): string {
  if (process.env.OMP_WAIT_POLICY || process.env.GOMP_SPINCOUNT) return process.env.OMP_WAIT_POLICY ?? 'GOMP_SPINCOUNT';
  if (os.loadavg()[0] >= os.cpus().length) process.env.OMP_WAIT_POLICY = 'PASSIVE';
  return process.env.OMP_WAIT_POLICY ?? 'default';
}

let waitPolicy = 'default';

/** The OpenMP wait policy in effect for the addon ('PASSIVE' when the machine was busy at load time). */
export function nativeWaitPolicy(): string {
  return waitPolicy;
}

function load(): { addon: NativeAddon | null; why: string } {
  const dir = nativeDir();
  const file = process.env.RESDET_NATIVE_ADDON ?? path.join(dir, 'build', 'Release', 'resdet_native.node');
  if (!fs.existsSync(file)) {
    const err = path.join(dir, BUILD_ERROR_FILE);
    const why = fs.existsSync(err) ? `build failed (${firstLine(fs.readFileSync(err, 'utf8'))})` : 'addon not built';
    return { addon: null, why };
  }
  try {
    waitPolicy = chooseWaitPolicy();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(file) as NativeAddon;
    // the ranks of an MPI job on this host count even when they have not registered yet (they start together)
    workers = Math.max(registerNativeWorker(), launchedAs()?.localSize ?? 1);
    addon.setThreads(nativeThreadSetting());
    return { addon, why: '' };
  } catch (e) {
    return { addon: null, why: `addon failed to load (${firstLine(String((e as Error).message))})` };
  }
}

let workers = 1;

/**
 * RESDET_THREADS when set to a positive integer, else this process's share of the cores among the resdet
 * processes using the native backend when it loaded (engine/native/worker_registry.ts), at least the processes
 * of its MPI job on this host (engine/distributed/launcher_env.ts).
 */
export function nativeThreadSetting(): number {
  const n = Number(process.env.RESDET_THREADS);
  return Number.isInteger(n) && n > 0 ? n : threadShare(os.cpus().length, workers);
}

/** How many resdet processes (this one included) were using the native backend when the addon loaded. */
export function nativeWorkers(): number {
  return workers;
}

export function nativeAddon(): NativeAddon | null {
  if (!loaded) loaded = load();
  return loaded.addon;
}

export function nativeMissingReason(): string {
  if (!loaded) loaded = load();
  return loaded.why;
}
