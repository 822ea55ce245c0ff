/**
 * ResizeNearestNeighborGrad for the cpu backend: the exact adjoint of tfjs-cpu's ResizeNearestNeighbor forward
 * (each output pixel's gradient added to the input pixel the forward copied it from, same source-index rule
 * incl. alignCorners and halfPixelCenters). tfjs-cpu 4.22's own gradient steps through dy by the input image's
 * size, so every image after the first gets another image's gradient whenever the sizes differ — always, in an
 * FPN's top-down path — and it ignores halfPixelCenters. (wasm's and the native backend's are correct.)
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, view } from './kernel_io';

type TensorInfo = tf.TensorInfo;

/** For each output index along one axis, the input index the forward reads (tfjs-cpu's rule). */
export function nearestSources(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const src = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    src[o] = s;
  }
  return src;
}

export function resizeNearestGradKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'ResizeNearestNeighborGrad',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
      const { alignCorners, halfPixelCenters } = attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean };
      const [B, H, W, C] = images.shape;
      const [, OH, OW] = dy.shape;
      const rows = nearestSources(H, OH, alignCorners, halfPixelCenters);
      const cols = nearestSources(W, OW, alignCorners, halfPixelCenters);
      const out = alloc(backend, [B, H, W, C], 'float32');
      const g = view(backend, dy);
      // sums in float64, rounded once (as tfjs-cpu's kernel and the native one), in output order per pixel
      const dx = new Float64Array(B * H * W * C);
      let k = 0;
      for (let b = 0; b < B; b++) {
        for (let oy = 0; oy < OH; oy++) {
          const row = (b * H + rows[oy]) * W;
          for (let ox = 0; ox < OW; ox++) {
            const d = (row + cols[ox]) * C;
            for (let c = 0; c < C; c++) dx[d + c] += g[k++];
          }
        }
      }
      view(backend, out).set(dx);
      return out;
    },
  };
}
