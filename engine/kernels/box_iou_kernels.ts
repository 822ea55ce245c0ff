/**
 * Pairwise IoU of xyxy boxes as one kernel on the TypedArray backends:
 *
 *   ResdetBoxIou(boxes1 [N,4], boxes2 [M,4]) -> [N,M]
 *
 * torchvision's float32 arithmetic, step by step (Math.fround after every operation, so the result is the
 * float32 value torchvision computes): area = (x2-x1)*(y2-y1), inter = clamp(min(x2)-max(x1), 0) *
 * clamp(min(y2)-max(y1), 0), iou = inter / (area1 + area2 - inter). One kernel instead of ~12 elementwise
 * ops over N*M. On wasm, four columns at a time in WebAssembly SIMD float32 (wasm/simd_loops.ts), the
 * remaining M % 4 columns here. No gradient (IoU is used for matching; detection/box_ops.ts has a differentiable composite).
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, f32, isWasm } from './kernel_io';
import { simdLoops, wasmHeapMemory } from './wasm/simd_loops';
import { nativeHostLoops } from '../native/host_loops';

export const BOX_IOU = 'ResdetBoxIou';

const fr = Math.fround;

/** IoU of rows of `a` (N boxes) with columns `from..M-1` of `b` into out [N, M]. */
export function boxIouInto(a: Float32Array, N: number, b: Float32Array, M: number, out: Float32Array, from = 0): void {
  const native = nativeHostLoops();
  if (native) return native.boxIou(a, N, b, M, out, from);
  const bx1 = new Float32Array(M), by1 = new Float32Array(M), bx2 = new Float32Array(M), by2 = new Float32Array(M);
  const areaB = new Float32Array(M);
  for (let j = 0; j < M; j++) {
    bx1[j] = b[4 * j];
    by1[j] = b[4 * j + 1];
    bx2[j] = b[4 * j + 2];
    by2[j] = b[4 * j + 3];
    areaB[j] = fr(bx2[j] - bx1[j]) * fr(by2[j] - by1[j]);
  }
  for (let i = 0; i < N; i++) {
    const x1 = a[4 * i], y1 = a[4 * i + 1], x2 = a[4 * i + 2], y2 = a[4 * i + 3];
    const areaA = fr(fr(x2 - x1) * fr(y2 - y1));
    const o = i * M;
    for (let j = from; j < M; j++) {
      // differences of float32 values are exact in float64: their sign is that of the rounded value
      const w = (x2 < bx2[j] ? x2 : bx2[j]) - (x1 > bx1[j] ? x1 : bx1[j]);
      const h = (y2 < by2[j] ? y2 : by2[j]) - (y1 > by1[j] ? y1 : by1[j]);
      if (w > 0 && h > 0) {
        const inter = fr(fr(w) * fr(h));
        out[o + j] = inter / fr(fr(areaA + areaB[j]) - inter);
      } else {
        // no overlap: 0 / (area1 + area2), which is 0 unless the areas are degenerate (-0, or NaN for 0/0
        // and NaN coordinates, whose area is NaN)
        const u = areaA + areaB[j];
        out[o + j] = u > 0 ? 0 : 0 / fr(u);
      }
    }
  }
}

export function boxIouKernels(backendName: string): tf.KernelConfig[] {
  return [
    {
      kernelName: BOX_IOU,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const { boxes1, boxes2 } = inputs as { boxes1: tf.TensorInfo; boxes2: tf.TensorInfo };
        const N = boxes1.shape[0];
        const M = boxes2.shape[0];
        const outInfo = alloc(backend, [N, M]);
        const mem = isWasm(backend) && N > 0 && M >= 4 ? wasmHeapMemory(backend) : null;
        const simd = mem ? simdLoops(mem) : null;
        if (simd) {
          const cols = alloc(backend, [5, M]);
          const [a, b, out, c] = [boxes1, boxes2, outInfo, cols].map((t) => f32(backend, t));
          for (let j = 0; j < M; j++) {
            for (let k = 0; k < 4; k++) c[k * M + j] = b[4 * j + k];
            c[4 * M + j] = Math.fround(b[4 * j + 2] - b[4 * j]) * Math.fround(b[4 * j + 3] - b[4 * j + 1]);
          }
          const cb = c.byteOffset, M4 = M * 4, full = M - (M % 4);
          simd.iou(a.byteOffset, N, cb, cb + M4, cb + 2 * M4, cb + 3 * M4, cb + 4 * M4, full * 4, out.byteOffset, M4);
          if (full < M) boxIouInto(a, N, b, M, out, full);
          (backend as unknown as { disposeData(id: object): void }).disposeData(cols.dataId);
        } else {
          boxIouInto(f32(backend, boxes1), N, f32(backend, boxes2), M, f32(backend, outInfo));
        }
        return outInfo;
      },
    },
  ];
}
