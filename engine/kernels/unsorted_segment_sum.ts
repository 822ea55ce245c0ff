/**
 * UnsortedSegmentSum (tf.gather's gradient) as one JavaScript loop, for the TypedArray backends:
 * out[s, ...] = sum of x[i, ...] over the leading index tuples i with segmentIds[i] = s; ids outside
 * [0, numSegments) are dropped. float32 and int32. wasm has no such kernel, and tfjs-cpu's (also inherited by
 * the native backend) builds one mask per segment — quadratic, seconds for a detector's gathers.
 */
import * as tf from '@tensorflow/tfjs';
import { alloc, view } from './kernel_io';

type TensorInfo = tf.TensorInfo;

export function unsortedSegmentSumKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const idRank = segmentIds.shape.length;
      for (let i = 0; i < idRank; i++) {
        if (segmentIds.shape[i] !== x.shape[i]) {
          throw new Error(`UnsortedSegmentSum: segmentIds shape ${segmentIds.shape} is not a prefix of x shape ${x.shape}`);
        }
      }
      const innerShape = x.shape.slice(idRank);
      const inner = innerShape.reduce((a, b) => a * b, 1);
      const count = segmentIds.shape.reduce((a, b) => a * b, 1);
      const out = alloc(backend, [numSegments, ...innerShape], x.dtype);
      const o = view(backend, out);
      const xv = view(backend, x);
      const ids = view(backend, segmentIds);
      o.fill(0);
      for (let i = 0; i < count; i++) {
        const s = ids[i];
        if (!(s >= 0 && s < numSegments)) continue;
        const so = i * inner;
        const d = s * inner;
        for (let j = 0; j < inner; j++) o[d + j] += xv[so + j];
      }
      return out;
    },
  };
}
