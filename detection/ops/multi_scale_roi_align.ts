/**
 * RoI pooling over a feature pyramid (torchvision's MultiScaleRoIAlign): each RoI is pooled from one level,
 * chosen by the FPN paper's rule k = floor(4 + log2(sqrt(area) / 224) + 1e-6) clamped to the pyramid's
 * levels (a 224x224 box goes to P4, 112x112 to P3), with that level's stride as the spatial scale. The
 * canonical 224 (ImageNet's size, for ~800 px images) can be set (`roiHeads.canonicalScale`); on the demo's
 * 256-384 px images 96 measured worse than 224 (bench/RESULTS.md), so the default stays. Rows come
 * back in the order of the RoIs; the result is differentiable with respect to every level's features.
 */
import * as tf from '@tensorflow/tfjs';
import { roiAlign } from './roi_align';
import { roiPool } from './roi_pool';

export interface MultiScaleOptions {
  /** stride of each feature map, finest first (e.g. 4, 8, 16, 32 for P2…P5) */
  strides: number[];
  outputSize: [number, number];
  pooler: 'align' | 'pool';
  samplingRatio: number;
  aligned: boolean;
  /** the box side that goes to P4 (default 224) */
  canonicalScale?: number;
}

export const CANONICAL_SCALE = 224;
const CANONICAL_LEVEL = 4;

/**
 * Pyramid level of each RoI row [R*5] (batch index, x1, y1, x2, y2), as an index into the levels kMin…kMax
 * (0 for kMin). Areas are (x2-x1)*(y2-y1), no +1.
 */
export function assignFpnLevels(rois: Float32Array, kMin: number, kMax: number, canonicalScale = CANONICAL_SCALE): Int32Array {
  const R = rois.length / 5;
  const out = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    const area = (rois[5 * r + 3] - rois[5 * r + 1]) * (rois[5 * r + 4] - rois[5 * r + 2]);
    const k = Math.floor(CANONICAL_LEVEL + Math.log2(Math.sqrt(area) / canonicalScale) + 1e-6);
    // a degenerate box (area 0 gives -Infinity, a negative one NaN) goes to the finest level, as the clamp does
    out[r] = (Number.isNaN(k) ? kMin : Math.min(Math.max(k, kMin), kMax)) - kMin;
  }
  return out;
}

/** [R, oh, ow, C] pooled features of the RoI rows [R*5] from the level each RoI is assigned to. */
export function multiScaleRoiAlign(features: tf.Tensor4D[], rois: Float32Array, o: MultiScaleOptions): tf.Tensor4D {
  if (features.length !== o.strides.length) throw new Error(`multiScaleRoiAlign: ${features.length} feature maps but ${o.strides.length} strides`);
  const kMin = Math.log2(o.strides[0]);
  const kMax = kMin + features.length - 1;
  if (!Number.isInteger(kMin) || o.strides.some((s, l) => s !== 2 ** (kMin + l))) {
    throw new Error(`multiScaleRoiAlign: strides must be consecutive powers of two, got [${o.strides}]`);
  }
  const R = rois.length / 5;
  const levels = assignFpnLevels(rois, kMin, kMax, o.canonicalScale);
  const rowsOf: number[][] = features.map(() => []);
  for (let r = 0; r < R; r++) rowsOf[levels[r]].push(r);
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    const partRows: number[][] = [];
    rowsOf.forEach((rows, l) => {
      if (!rows.length && (R > 0 || l > 0)) return; // no RoIs at all: one empty part keeps the shape
      const sel = new Float32Array(rows.length * 5);
      rows.forEach((r, j) => sel.set(rois.subarray(5 * r, 5 * r + 5), 5 * j));
      const t = tf.tensor2d(sel, [rows.length, 5]);
      const spatialScale = 1 / o.strides[l];
      parts.push(
        o.pooler === 'pool'
          ? roiPool(features[l], t, { outputSize: o.outputSize, spatialScale })
          : roiAlign(features[l], t, { outputSize: o.outputSize, spatialScale, samplingRatio: o.samplingRatio, aligned: o.aligned }),
      );
      partRows.push(rows);
    });
    if (parts.length === 1) return parts[0];
    return interleaveRows(parts, partRows);
  });
}

/**
 * The rows of `parts` put back in RoI order: row j of part l is row rows[l][j] of the result. Its
 * gradient takes each part's rows of dy (one gather per part); tfjs's concat + gather would be a split and a
 * segment sum over the whole pooled tensor (16 ms of the demo's 180 ms step).
 */
function interleaveRows(parts: tf.Tensor4D[], rows: number[][]): tf.Tensor4D {
  const order = rows.flat();
  const inverse = new Int32Array(order.length);
  order.forEach((r, j) => (inverse[r] = j));
  const op = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, parts.length) as tf.Tensor4D[];
    const value = tf.tidy(() => tf.gather(tf.concat(xs, 0), tf.tensor1d(inverse, 'int32')) as tf.Tensor4D);
    const gradFunc = (dy: tf.Tensor) => tf.tidy(() => rows.map((rs) => tf.gather(dy, tf.tensor1d(Int32Array.from(rs), 'int32'))));
    return { value, gradFunc };
  });
  return (op as unknown as (...xs: tf.Tensor4D[]) => tf.Tensor4D)(...parts);
}
