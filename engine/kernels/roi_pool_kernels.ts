/**
 * RoIPool (max) over NHWC features as one kernel with its own backward kernel (torchvision's arithmetic):
 *
 *   ResdetRoiPool(features [N,H,W,C], rois [K,5]; outputSize, spatialScale) -> [K,oh,ow,C]
 *   ResdetRoiPoolGrad(dy, features, rois; same attrs) -> d features (dy routed to each bin's argmax)
 *
 * Rounded roi corners (halves away from zero), roi size max(x2-x1+1, 1), bin ph covers rows
 * floor(ph*h/oh) .. ceil((ph+1)*h/oh) (exclusive) offset by y1 and clipped to [0, H]; an empty bin gives 0
 * and no gradient. The argmax is the first maximum in row-major order, as torchvision's `>` comparison.
 * The backward recomputes the argmax from the saved features instead of keeping a second output.
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, f32 } from './kernel_io';

export const ROI_POOL = 'ResdetRoiPool';
export const ROI_POOL_GRAD = 'ResdetRoiPoolGrad';

export interface RoiPoolAttrs {
  outputSize: [number, number];
  spatialScale: number;
}

const fr = Math.fround;
const cRound = (v: number) => Math.sign(v) * Math.round(Math.abs(v));

/** Bin ranges [start, end) of one roi along one axis, torchvision's float32 arithmetic. */
export function poolRanges(lo: number, hi: number, n: number, size: number, scale: number): Int32Array {
  const s = cRound(fr(lo * scale));
  const e = cRound(fr(hi * scale));
  const len = Math.max(e - s + 1, 1);
  const bin = fr(len / n);
  const out = new Int32Array(2 * n);
  for (let p = 0; p < n; p++) {
    out[2 * p] = Math.min(Math.max(Math.floor(fr(p * bin)) + s, 0), size);
    out[2 * p + 1] = Math.min(Math.max(Math.ceil(fr((p + 1) * bin)) + s, 0), size);
  }
  return out;
}

/**
 * For every bin: `onBin(o, arg, val)` with, per channel, `arg[c]` = flat NHW pixel of the max (-1 when the bin
 * is empty or holds no value above -FLT_MAX) and `val[c]` = the max (0 for an empty bin, else at least -FLT_MAX).
 */
export function roiPoolArgmax(
  f: Float32Array,
  rois: ArrayLike<number>,
  K: number,
  featureShape: number[],
  a: RoiPoolAttrs,
  onBin: (o: number, arg: Int32Array, val: Float32Array) => void,
): void {
  const [, H, W, C] = featureShape;
  const [oh, ow] = a.outputSize;
  const scale = fr(a.spatialScale);
  const arg = new Int32Array(C);
  const val = new Float32Array(C);
  for (let k = 0; k < K; k++) {
    const r = k * 5;
    const base = rois[r] * H * W;
    const ys = poolRanges(rois[r + 2], rois[r + 4], oh, H, scale);
    const xs = poolRanges(rois[r + 1], rois[r + 3], ow, W, scale);
    for (let ph = 0; ph < oh; ph++) {
      for (let pw = 0; pw < ow; pw++) {
        arg.fill(-1);
        val.fill(-3.4028234663852886e38);
        for (let y = ys[2 * ph]; y < ys[2 * ph + 1]; y++) {
          for (let x = xs[2 * pw]; x < xs[2 * pw + 1]; x++) {
            const p = base + y * W + x;
            const o = p * C;
            for (let c = 0; c < C; c++) {
              if (f[o + c] > val[c]) {
                val[c] = f[o + c];
                arg[c] = p;
              }
            }
          }
        }
        if (ys[2 * ph + 1] <= ys[2 * ph] || xs[2 * pw + 1] <= xs[2 * pw]) val.fill(0);
        onBin(((k * oh + ph) * ow + pw) * C, arg, val);
      }
    }
  }
}

function forwardKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: ROI_POOL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { features, rois } = inputs as { features: tf.TensorInfo; rois: tf.TensorInfo };
      const a = attrs as unknown as RoiPoolAttrs;
      const K = rois.shape[0];
      const outInfo = alloc(backend, [K, a.outputSize[0], a.outputSize[1], features.shape[3]]);
      const out = f32(backend, outInfo);
      const f = f32(backend, features);
      const r = f32(backend, rois);
      roiPoolArgmax(f, r, K, features.shape, a, (o, _arg, val) => out.set(val, o));
      return outInfo;
    },
  };
}

function gradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: ROI_POOL_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, features, rois } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as RoiPoolAttrs;
      const C = features.shape[3];
      const gInfo = alloc(backend, features.shape);
      const g = f32(backend, gInfo);
      g.fill(0);
      const d = f32(backend, dy);
      const f = f32(backend, features);
      const r = f32(backend, rois);
      roiPoolArgmax(f, r, rois.shape[0], features.shape, a, (o, arg) => {
        for (let c = 0; c < C; c++) if (arg[c] >= 0) g[arg[c] * C + c] += d[o + c];
      });
      return gInfo;
    },
  };
}

export function roiPoolKernels(backendName: string): tf.KernelConfig[] {
  return [forwardKernel(backendName), gradKernel(backendName)];
}
