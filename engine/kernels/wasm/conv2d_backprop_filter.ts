/**
 * Conv2DBackpropFilter for the wasm backend (which has none): the weight gradient as one matrix product
 * on wasm's XNNPACK BatchMatMul,
 *
 *   dW[(c,kh,kw), co] = sum_p cols[(c,kh,kw), p] * dy[p, co],
 *
 * with the im2col matrix `cols` stored transposed ([Cin*KH*KW, P]): wasm's BatchMatMul runs on XNNPACK only
 * without transposeA (with it, a naive loop ~15x slower).
 *
 * So that each row of `cols` is ONE contiguous copy, p runs over a slightly larger grid than the outputs:
 * x is zero-padded and split into its stride phases, xph[a][b][c][n][i][j] = xpad[n, s*i + a, s*j + b, c]
 * (i < Hq = OH + floor((KH-1)/s), j < Wq likewise), so that tap (kh, kw) = (s*mh + a, s*mw + b) of output
 * (n, oh, ow) is xph[a][b][c][n][oh + mh][ow + mw]: over the grid p = (n, i, j), the row of (c, kh, kw) is
 * the phase image read from offset mh*Wq + mw. dy is laid on the same grid with zeros at i >= OH or
 * j >= OW, which cancels the extra grid points (6-13% more products for 3x3 filters, none for 1x1 stride 1).
 * The phase images are written by a JavaScript loop from a channel-planar copy of x (wasm's Transpose).
 * Large batches are split into chunks of images to bound the scratch matrix; their products are summed.
 */
import * as tf from '@tensorflow/tfjs';
import { WasmBackend, asWasm, assertChannelsLast, ConvBackpropAttrs, dispose, heapF32, runWasmKernel } from './wasm_util';

type TensorInfo = tf.TensorInfo;

/** Upper bound on the im2col scratch matrix, in floats (8 MB; larger chunks measured no faster). */
const MAX_COLS_FLOATS = 2 * 1024 * 1024;

interface Geometry {
  N: number; H: number; W: number; C: number;
  OH: number; OW: number; CO: number;
  KH: number; KW: number; sH: number; sW: number; pT: number; pL: number;
  Hq: number; Wq: number; // phase image size
}

/** Phase images xph[a][b][c][n][Hq][Wq] (plus `slack` zeros) from the planar input X ([C, N, H, W]). */
function fillPhases(out: Float32Array, X: Float32Array, g: Geometry): void {
  const { N, H, W, C, sH, sW, pT, pL, Hq, Wq } = g;
  let o = 0;
  for (let a = 0; a < Math.min(sH, g.KH); a++) {
    for (let b = 0; b < Math.min(sW, g.KW); b++) {
      // columns j whose source iw = s*j + b - pL lies in [0, W)
      const jLo = Math.min(Wq, Math.max(0, Math.ceil((pL - b) / sW)));
      const jHi = Math.max(jLo, Math.min(Wq, Math.floor((W - 1 + pL - b) / sW) + 1));
      for (let cn = 0; cn < C * N; cn++) {
        const src = cn * H * W;
        for (let i = 0; i < Hq; i++, o += Wq) {
          const ih = sH * i + a - pT;
          if (ih < 0 || ih >= H) {
            out.fill(0, o, o + Wq);
            continue;
          }
          const r = src + ih * W + b - pL;
          for (let j = 0; j < jLo; j++) out[o + j] = 0;
          if (sW === 1) out.set(X.subarray(r + jLo, r + jHi), o + jLo);
          else for (let j = jLo; j < jHi; j++) out[o + j] = X[r + sW * j];
          for (let j = jHi; j < Wq; j++) out[o + j] = 0;
        }
      }
    }
  }
  out.fill(0, o);
}

export function conv2dBackpropFilterWasm(
  be: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: unknown,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  maxColsFloats = MAX_COLS_FLOATS,
): TensorInfo {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv2DBackpropFilter: float32 only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1,
    pad as 'same', dimRoundingMode, false, 'channelsLast');
  const sH = info.strideHeight, sW = info.strideWidth, KH = info.filterHeight, KW = info.filterWidth;
  const g: Geometry = {
    N: info.batchSize, H: info.inHeight, W: info.inWidth, C: info.inChannels,
    OH: info.outHeight, OW: info.outWidth, CO: info.outChannels,
    KH, KW, sH, sW, pT: info.padInfo.top, pL: info.padInfo.left,
    Hq: info.outHeight + Math.floor((KH - 1) / sH), Wq: info.outWidth + Math.floor((KW - 1) / sW),
  };
  const { N, C, OH, OW, CO, Hq, Wq } = g;
  const K = C * KH * KW;
  const grid = Hq * Wq; // grid points per image
  const out = be.makeOutput([KH, KW, C, CO], 'float32');
  if (N * OH * OW * C * CO === 0) {
    heapF32(be, out).fill(0);
    return out;
  }
  const nA = Math.min(sH, KH), nB = Math.min(sW, KW);
  const slack = (Math.floor((KH - 1) / sH) + 1) * Wq; // read past the last image by the bottom taps
  const chunks = Math.max(1, Math.ceil((K * grid * N) / maxColsFloats));
  const perChunk = Math.ceil(N / chunks);
  const acc = new Float32Array(K * CO);
  let xT: TensorInfo | null = null;
  let phases: TensorInfo | null = null;
  try {
    xT = runWasmKernel('Transpose', be, { x }, { perm: [3, 0, 1, 2] });
    phases = be.makeOutput([nA * nB * C * N * grid + slack], 'float32');
    fillPhases(heapF32(be, phases), heapF32(be, xT), g);
    dispose(be, xT);
    xT = null;
    for (let n0 = 0; n0 < N; n0 += perChunk) {
      const nc = Math.min(perChunk, N - n0);
      const P = nc * grid;
      const cols = be.makeOutput([K, P], 'float32');
      const b = be.makeOutput([P, CO], 'float32');
      let prod: TensorInfo | null = null;
      try {
        // dy on the grid, zeros at the extra points
        const bv = heapF32(be, b);
        const dv = heapF32(be, dy);
        for (let j = 0; j < nc; j++) {
          for (let i = 0; i < Hq; i++) {
            const o = (j * grid + i * Wq) * CO;
            if (i >= OH) {
              bv.fill(0, o, o + Wq * CO);
              continue;
            }
            const src = (((n0 + j) * OH + i) * OW) * CO;
            bv.set(dv.subarray(src, src + OW * CO), o);
            bv.fill(0, o + OW * CO, o + Wq * CO);
          }
        }
        // rows of cols: one contiguous run of a phase image each
        const cv = heapF32(be, cols);
        const pv = heapF32(be, phases);
        for (let c = 0; c < C; c++) {
          for (let kh = 0; kh < KH; kh++) {
            for (let kw = 0; kw < KW; kw++) {
              const phase = (kh % sH) * nB + (kw % sW);
              const start = ((phase * C + c) * N + n0) * grid + Math.floor(kh / sH) * Wq + Math.floor(kw / sW);
              cv.set(pv.subarray(start, start + P), ((c * KH + kh) * KW + kw) * P);
            }
          }
        }
        prod = runWasmKernel('BatchMatMul', be, { a: cols, b }, { transposeA: false, transposeB: false });
        const r = heapF32(be, prod);
        if (n0 === 0) acc.set(r);
        else for (let i = 0; i < acc.length; i++) acc[i] += r[i];
      } finally {
        dispose(be, cols, b, prod);
      }
    }
  } catch (e) {
    dispose(be, out);
    throw e;
  } finally {
    dispose(be, xT, phases);
  }
  // rows (c, kh, kw) -> filter layout [kh, kw, c, co]
  const o = heapF32(be, out);
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const src = ((c * KH + kh) * KW + kw) * CO;
        const dst = ((kh * KW + kw) * C + c) * CO;
        for (let co = 0; co < CO; co++) o[dst + co] = acc[src + co];
      }
    }
  }
  return out;
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as ConvBackpropAttrs & { filterShape: [number, number, number, number] };
    assertChannelsLast('Conv2DBackpropFilter', a.dataFormat);
    return conv2dBackpropFilterWasm(asWasm(backend), x, dy, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
  },
};
