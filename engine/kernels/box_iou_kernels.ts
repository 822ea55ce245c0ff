/**
 * Pairwise IoU of xyxy boxes as one kernel on the TypedArray backends:
 *
 *   ResdetBoxIou(boxes1 [N,4], boxes2 [M,4]) -> [N,M]
 *
 * torchvision's float32 arithmetic, step by step (Math.fround after every operation, so the result is the
 * float32 value torchvision computes): area = (x2-x1)*(y2-y1), inter = clamp(min(x2)-max(x1), 0) *
 * clamp(min(y2)-max(y1), 0), iou = inter / (area1 + area2 - inter). One kernel instead of ~12 elementwise
 * ops over N*M. No gradient (IoU is used for matching; detection/box_ops.ts has a differentiable composite).
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, f32 } from './kernel_io';

export const BOX_IOU = 'ResdetBoxIou';

const fr = Math.fround;

export function boxIouInto(a: Float32Array, N: number, b: Float32Array, M: number, out: Float32Array): void {
  const areaB = new Float32Array(M);
  for (let j = 0; j < M; j++) areaB[j] = fr(fr(b[4 * j + 2] - b[4 * j]) * fr(b[4 * j + 3] - b[4 * j + 1]));
  for (let i = 0; i < N; i++) {
    const x1 = a[4 * i], y1 = a[4 * i + 1], x2 = a[4 * i + 2], y2 = a[4 * i + 3];
    const areaA = fr(fr(x2 - x1) * fr(y2 - y1));
    const o = i * M;
    for (let j = 0; j < M; j++) {
      const w = fr(Math.min(x2, b[4 * j + 2]) - Math.max(x1, b[4 * j]));
      const h = fr(Math.min(y2, b[4 * j + 3]) - Math.max(y1, b[4 * j + 1]));
      const inter = fr((w < 0 ? 0 : w) * (h < 0 ? 0 : h)); // NaN stays NaN, as torch's clamp
      out[o + j] = inter / fr(fr(areaA + areaB[j]) - inter);
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
        const out = f32(backend, outInfo);
        boxIouInto(f32(backend, boxes1), N, f32(backend, boxes2), M, out);
        return outInfo;
      },
    },
  ];
}
