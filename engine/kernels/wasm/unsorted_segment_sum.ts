/**
 * UnsortedSegmentSum for the wasm backend (which has none; tf.gather's gradient needs it):
 * out[s, ...] = sum of x[i, ...] over the leading index tuples i with segmentIds[i] = s; ids outside
 * [0, numSegments) are dropped. float32 and int32, by a JavaScript loop on the heap.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm } from './wasm_util';

type TensorInfo = tf.TensorInfo;

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const be = asWasm(backend);
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
    const out = be.makeOutput([numSegments, ...innerShape], x.dtype);
    const o = be.typedArrayFromHeap(out);
    const xv = be.typedArrayFromHeap(x);
    const ids = be.typedArrayFromHeap(segmentIds);
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
