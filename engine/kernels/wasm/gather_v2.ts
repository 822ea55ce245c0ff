/**
 * GatherV2 for the wasm backend, replacing its own, which returns wrong values (reads outside x) when
 * batchDims > 0. out[b, o, i, s] = x[b, o, indices[b, i], s] over x seen as [batch, outer, dim, slice];
 * slices are copied on the heap (native copies for slices longer than a few elements).
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm } from './wasm_util';

type TensorInfo = tf.TensorInfo;

export const gatherV2Config: tf.KernelConfig = {
  kernelName: 'GatherV2',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const be = asWasm(backend);
    const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
    const a = attrs as unknown as { axis: number | number[]; batchDims?: number };
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0];
    const batchDims = a.batchDims ?? 0;
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x, indices, axis, batchDims);
    const { batchSize, outerSize, dimSize, sliceSize, outputShape } = info;
    const idx = be.typedArrayFromHeap(indices);
    for (let i = 0; i < idx.length; i++) {
      if (!(idx[i] >= 0 && idx[i] <= dimSize - 1)) {
        throw new Error(`GatherV2: the index value ${idx[i]} is not in [0, ${dimSize - 1}]`);
      }
    }
    const out = be.makeOutput(outputShape, x.dtype);
    if (outputShape.reduce((p, q) => p * q, 1) === 0) return out;
    const o = be.typedArrayFromHeap(out);
    const xv = be.typedArrayFromHeap(x);
    const iv = be.typedArrayFromHeap(indices);
    const nIdx = iv.length / batchSize;
    let d = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let q = 0; q < outerSize; q++) {
        const base = (b * outerSize + q) * dimSize;
        for (let i = 0; i < nIdx; i++, d += sliceSize) {
          const s = (base + iv[b * nIdx + i]) * sliceSize;
          if (sliceSize > 16) o.set(xv.subarray(s, s + sliceSize), d);
          else for (let j = 0; j < sliceSize; j++) o[d + j] = xv[s + j];
        }
      }
    }
    return out;
  },
};
