/**
 * MaxPoolGrad for the wasm backend, replacing its own, which routes the gradient to the wrong input
 * positions for most shapes (checked against the cpu backend: relative errors of 0.1 to 1 for channel
 * counts 3..32, 'same' and 'valid'). Each output's gradient goes to the first (row-major) maximum of its
 * window, clipped to the input, as on the cpu backend. JavaScript loop on the heap, channels innermost.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, assertChannelsLast, heapF32 } from './wasm_util';

type TensorInfo = tf.TensorInfo;

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const be = asWasm(backend);
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const a = attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: 'same' | 'valid' | number;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      dataFormat?: string;
    };
    assertChannelsLast('MaxPoolGrad', a.dataFormat);
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const N = info.batchSize, H = info.inHeight, W = info.inWidth, C = info.inChannels;
    const OH = info.outHeight, OW = info.outWidth;
    const KH = info.effectiveFilterHeight, KW = info.effectiveFilterWidth;
    const sH = info.strideHeight, sW = info.strideWidth, pT = info.padInfo.top, pL = info.padInfo.left;
    const dx = be.makeOutput(input.shape, 'float32');
    const d = heapF32(be, dx);
    const x = heapF32(be, input);
    const g = heapF32(be, dy);
    d.fill(0);
    const best = new Float32Array(C);
    const at = new Int32Array(C);
    for (let n = 0; n < N; n++) {
      const img = n * H * W;
      for (let oh = 0; oh < OH; oh++) {
        const h0 = Math.max(0, oh * sH - pT), h1 = Math.min(H, oh * sH - pT + KH);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = Math.max(0, ow * sW - pL), w1 = Math.min(W, ow * sW - pL + KW);
          best.fill(-Infinity);
          at.fill(-1);
          for (let ih = h0; ih < h1; ih++) {
            for (let iw = w0; iw < w1; iw++) {
              const o = (img + ih * W + iw) * C;
              for (let c = 0; c < C; c++) {
                const v = x[o + c];
                if (v > best[c]) {
                  best[c] = v;
                  at[c] = o + c;
                }
              }
            }
          }
          const go = ((n * OH + oh) * OW + ow) * C;
          for (let c = 0; c < C; c++) if (at[c] >= 0) d[at[c]] += g[go + c];
        }
      }
    }
    return dx;
  },
};
