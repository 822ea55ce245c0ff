/**
 * Gradients tfjs does not register but resdet's models and losses need:
 * - StridedSlice: the output gradient scattered back to the selected positions;
 * - GatherNd: the output gradient scattered (summed) into the params' shape;
 * - comparison and logical ops (Less, Greater, Equal, ...): zero — they are piecewise constant, and a
 *   loss that uses them (e.g. smooth-L1's branch mask) must still differentiate through its other inputs.
 */
import * as tf from '@tensorflow/tfjs';

let registered = false;

function stridedSliceIndices(xShape: number[], attrs: Record<string, unknown>): Int32Array {
  const info = tf.slice_util.sliceInfo(
    xShape,
    attrs.begin as number[],
    attrs.end as number[],
    attrs.strides as number[],
    attrs.beginMask as number,
    attrs.endMask as number,
    attrs.ellipsisMask as number,
    attrs.newAxisMask as number,
    attrs.shrinkAxisMask as number,
  );
  const rank = xShape.length;
  const ranges: number[][] = [];
  for (let d = 0; d < rank; d++) {
    const r: number[] = [];
    const b = info.begin[d] ?? 0;
    const e = info.end[d] ?? xShape[d];
    const s = info.strides[d] ?? 1;
    for (let i = b; s > 0 ? i < e : i > e; i += s) r.push(i);
    ranges.push(r);
  }
  const strides = xShape.map((_, d) => xShape.slice(d + 1).reduce((a, b) => a * b, 1));
  const total = ranges.reduce((a, r) => a * r.length, 1);
  const out = new Int32Array(total);
  const idx = new Array(rank).fill(0);
  for (let k = 0; k < total; k++) {
    let flat = 0;
    for (let d = 0; d < rank; d++) flat += ranges[d][idx[d]] * strides[d];
    out[k] = flat;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < ranges[d].length) break;
      idx[d] = 0;
    }
  }
  return out;
}

function zeroGradient(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => ({ a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) }),
  };
}

export function registerExtraGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.StridedSlice,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0];
      return {
        x: () =>
          tf.tidy(() => {
            const flat = stridedSliceIndices(x.shape, attrs as unknown as Record<string, unknown>);
            const idx = tf.tensor2d(flat, [flat.length, 1], 'int32');
            return tf.reshape(tf.scatterND(idx, tf.reshape(dy as tf.Tensor, [-1]), [x.size]), x.shape);
          }),
      };
    },
  });
  tf.registerGradient({
    kernelName: tf.GatherNd,
    inputsToSave: ['params', 'indices'],
    gradFunc: (dy, saved) => {
      const [params, indices] = saved;
      return {
        params: () => tf.scatterND(indices, dy as tf.Tensor, params.shape),
        indices: () => tf.zerosLike(indices),
      };
    },
  });
  for (const k of [tf.Less, tf.LessEqual, tf.Greater, tf.Equal, tf.NotEqual, tf.LogicalAnd, tf.LogicalOr]) {
    tf.registerGradient(zeroGradient(k));
  }
  tf.registerGradient({ kernelName: tf.LogicalNot, inputsToSave: ['x'], gradFunc: (_dy, s) => ({ x: () => tf.zerosLike(s[0]) }) });
}
