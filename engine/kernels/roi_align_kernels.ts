/**
 * RoIAlign over NHWC features as one kernel with its own backward kernel (torchvision's arithmetic):
 *
 *   ResdetRoiAlign(features [N,H,W,C], rois [K,5]; outputSize, spatialScale, samplingRatio, aligned) -> [K,oh,ow,C]
 *   ResdetRoiAlignGrad(dy [K,oh,ow,C], rois; same attrs + featureShape) -> d features [N,H,W,C]
 *
 * Each output bin is a weighted sum of feature pixels: `roiAlignBins` lists, per bin, the pixels its bilinear
 * samples touch with their summed weights (already divided by the sample count), so the forward is
 * out[bin] = Σ w·f[pixel] and the backward g[pixel] += w·dy[bin]. The coordinates and weights are computed
 * in float32 (Math.fround) exactly as torchvision's CPU kernel does, so the out-of-range and clamping edge
 * cases fall the same way. detection/roi_align.ts builds the composite fallback on the same table.
 * On wasm, the channel loops run as WebAssembly SIMD over the heap (wasm/simd_loops.ts) when C % 4 = 0.
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, f32, isWasm } from './kernel_io';
import { SimdLoops, simdLoops, wasmHeapMemory } from './wasm/simd_loops';

export const ROI_ALIGN = 'ResdetRoiAlign';
export const ROI_ALIGN_GRAD = 'ResdetRoiAlignGrad';

export interface RoiAlignAttrs {
  outputSize: [number, number];
  spatialScale: number;
  samplingRatio: number;
  aligned: boolean;
}

const fr = Math.fround;

/** One bin's pixels (flat NHW index) and weights; `n` entries are valid. Reused between calls. */
export interface BinTable {
  pos: Int32Array;
  w: Float64Array;
  n: number;
}

function addEntry(t: BinTable, p: number, w: number): void {
  if (w === 0) return;
  for (let k = 0; k < t.n; k++) {
    if (t.pos[k] === p) {
      t.w[k] += w;
      return;
    }
  }
  if (t.n === t.pos.length) {
    const pos = new Int32Array(t.n * 2);
    pos.set(t.pos);
    const w2 = new Float64Array(t.n * 2);
    w2.set(t.w);
    t.pos = pos;
    t.w = w2;
  }
  t.pos[t.n] = p;
  t.w[t.n++] = w;
}

/** torchvision's bilinear sample at (y, x) of image `b`, scaled by `scale`, merged into the bin's table. */
function addSample(t: BinTable, y: number, x: number, H: number, W: number, rowBase: number, scale: number): void {
  if (y < -1 || y > H || x < -1 || x > W) return;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  let yl = Math.floor(y);
  let xl = Math.floor(x);
  let yh: number;
  let xh: number;
  if (yl >= H - 1) {
    yh = yl = H - 1;
    y = yl;
  } else yh = yl + 1;
  if (xl >= W - 1) {
    xh = xl = W - 1;
    x = xl;
  } else xh = xl + 1;
  const ly = fr(y - yl);
  const lx = fr(x - xl);
  const hy = fr(1 - ly);
  const hx = fr(1 - lx);
  addEntry(t, rowBase + yl * W + xl, fr(hy * hx) * scale);
  addEntry(t, rowBase + yl * W + xh, fr(hy * lx) * scale);
  addEntry(t, rowBase + yh * W + xl, fr(ly * hx) * scale);
  addEntry(t, rowBase + yh * W + xh, fr(ly * lx) * scale);
}

/**
 * Calls `visit(binIndex, table)` for every bin of every roi (binIndex = (k*oh + ph)*ow + pw).
 * `rois` rows are (batch, x1, y1, x2, y2); the batch index must already be validated.
 */
export function roiAlignBins(
  rois: ArrayLike<number>,
  K: number,
  featureShape: number[],
  a: RoiAlignAttrs,
  visit: (bin: number, t: BinTable) => void,
): void {
  const [, H, W] = featureShape;
  const [oh, ow] = a.outputSize;
  const scale = fr(a.spatialScale);
  const off = a.aligned ? 0.5 : 0;
  const t: BinTable = { pos: new Int32Array(64), w: new Float64Array(64), n: 0 };
  for (let k = 0; k < K; k++) {
    const r = k * 5;
    const rowBase = rois[r] * H * W;
    const x1 = fr(fr(rois[r + 1] * scale) - off);
    const y1 = fr(fr(rois[r + 2] * scale) - off);
    let rw = fr(fr(fr(rois[r + 3] * scale) - off) - x1);
    let rh = fr(fr(fr(rois[r + 4] * scale) - off) - y1);
    if (!a.aligned) {
      rw = Math.max(rw, 1);
      rh = Math.max(rh, 1);
    }
    const bh = fr(rh / oh);
    const bw = fr(rw / ow);
    const gh = a.samplingRatio > 0 ? a.samplingRatio : Math.ceil(fr(rh / oh));
    const gw = a.samplingRatio > 0 ? a.samplingRatio : Math.ceil(fr(rw / ow));
    const inv = 1 / Math.max(gh * gw, 1);
    for (let ph = 0; ph < oh; ph++) {
      const yb = fr(y1 + fr(ph * bh));
      for (let pw = 0; pw < ow; pw++) {
        const xb = fr(x1 + fr(pw * bw));
        t.n = 0;
        for (let iy = 0; iy < gh; iy++) {
          const y = fr(yb + fr(fr(fr(iy + 0.5) * bh) / gh));
          for (let ix = 0; ix < gw; ix++) {
            const x = fr(xb + fr(fr(fr(ix + 0.5) * bw) / gw));
            addSample(t, y, x, H, W, rowBase, inv);
          }
        }
        visit((k * oh + ph) * ow + pw, t);
      }
    }
  }
}

/** out[bin, :] = Σ w_j · f[pos_j, :], four pixels at a time. */
function gatherBin(out: Float32Array, o: number, f: Float32Array, t: BinTable, C: number): void {
  out.fill(0, o, o + C);
  let j = 0;
  for (; j + 3 < t.n; j += 4) {
    const p0 = t.pos[j] * C, p1 = t.pos[j + 1] * C, p2 = t.pos[j + 2] * C, p3 = t.pos[j + 3] * C;
    const w0 = t.w[j], w1 = t.w[j + 1], w2 = t.w[j + 2], w3 = t.w[j + 3];
    for (let c = 0; c < C; c++) out[o + c] += w0 * f[p0 + c] + w1 * f[p1 + c] + w2 * f[p2 + c] + w3 * f[p3 + c];
  }
  for (; j < t.n; j++) {
    const p = t.pos[j] * C;
    const w = t.w[j];
    for (let c = 0; c < C; c++) out[o + c] += w * f[p + c];
  }
}

function scatterBin(g: Float32Array, dy: Float32Array, o: number, t: BinTable, C: number): void {
  for (let j = 0; j < t.n; j++) {
    const p = t.pos[j] * C;
    const w = t.w[j];
    for (let c = 0; c < C; c++) g[p + c] += w * dy[o + c];
  }
}

/** The SIMD loops on the wasm heap, when the backend is wasm and C suits f32x4. */
function simdFor(backend: unknown, C: number): SimdLoops | null {
  if (!isWasm(backend) || C % 4 !== 0 || C === 0) return null;
  const mem = wasmHeapMemory(backend);
  return mem ? simdLoops(mem) : null;
}

/** gatherBin on the wasm heap: byte addresses `o` (output row) and `fb` (features). */
function gatherBinSimd(s: SimdLoops, out: Float32Array, bin: number, o: number, fb: number, t: BinTable, C: number): void {
  if (t.n === 0) {
    out.fill(0, bin * C, bin * C + C);
    return;
  }
  const C4 = C * 4;
  for (let j = 0; j < t.n; j += 4) {
    const p0 = fb + t.pos[j] * C4;
    const m = t.n - j;
    const p1 = m > 1 ? fb + t.pos[j + 1] * C4 : p0;
    const p2 = m > 2 ? fb + t.pos[j + 2] * C4 : p0;
    const p3 = m > 3 ? fb + t.pos[j + 3] * C4 : p0;
    const w1 = m > 1 ? t.w[j + 1] : 0, w2 = m > 2 ? t.w[j + 2] : 0, w3 = m > 3 ? t.w[j + 3] : 0;
    if (j === 0) s.set4(o, p0, p1, p2, p3, t.w[j], w1, w2, w3, C4);
    else s.add4(o, p0, p1, p2, p3, t.w[j], w1, w2, w3, C4);
  }
}

function attrsOf(attrs: unknown): RoiAlignAttrs & { featureShape: number[] } {
  return attrs as RoiAlignAttrs & { featureShape: number[] };
}

function forwardKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: ROI_ALIGN,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { features, rois } = inputs as { features: tf.TensorInfo; rois: tf.TensorInfo };
      const a = attrsOf(attrs);
      const K = rois.shape[0];
      const C = features.shape[3];
      const outInfo = alloc(backend, [K, a.outputSize[0], a.outputSize[1], C]);
      const out = f32(backend, outInfo);
      const f = f32(backend, features);
      const r = f32(backend, rois);
      const s = simdFor(backend, C);
      if (s) {
        const ob = out.byteOffset, fb = f.byteOffset;
        roiAlignBins(r, K, features.shape, a, (bin, t) => gatherBinSimd(s, out, bin, ob + bin * C * 4, fb, t, C));
      } else {
        roiAlignBins(r, K, features.shape, a, (bin, t) => gatherBin(out, bin * C, f, t, C));
      }
      return outInfo;
    },
  };
}

function gradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: ROI_ALIGN_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, rois } = inputs as { dy: tf.TensorInfo; rois: tf.TensorInfo };
      const a = attrsOf(attrs);
      const K = rois.shape[0];
      const C = a.featureShape[3];
      const gInfo = alloc(backend, a.featureShape);
      const g = f32(backend, gInfo);
      g.fill(0);
      const d = f32(backend, dy);
      const r = f32(backend, rois);
      const s = simdFor(backend, C);
      if (s) {
        const gb = g.byteOffset, db = d.byteOffset, C4 = C * 4;
        roiAlignBins(r, K, a.featureShape, a, (bin, t) => {
          for (let j = 0; j < t.n; j++) s.axpy(gb + t.pos[j] * C4, db + bin * C4, t.w[j], C4);
        });
      } else {
        roiAlignBins(r, K, a.featureShape, a, (bin, t) => scatterBin(g, d, bin * C, t, C));
      }
      return gInfo;
    },
  };
}

export function roiAlignKernels(backendName: string): tf.KernelConfig[] {
  return [forwardKernel(backendName), gradKernel(backendName)];
}
