/**
 * RoIPool (torchvision.ops.roi_pool, the Fast R-CNN max pooling) over NHWC features: rois [K,5] rows
 * (batchIndex, x1, y1, x2, y2) in image pixels, result [K, oh, ow, C]; rounded bins, max, 0 for an empty bin.
 * Differentiable with respect to the features: resdet's kernels on cpu/wasm (the gradient goes to the first
 * maximum of each bin, as torchvision's argmax), elsewhere a composite of gather + max (tfjs's max gradient,
 * which reaches every tied maximum). Bad input as roiAlign (an error).
 */
import * as tf from '@tensorflow/tfjs';
import { ROI_POOL, ROI_POOL_GRAD, RoiPoolAttrs, poolRanges } from '../../engine/kernels/roi_pool_kernels';
import { hasKernel } from '../../engine/kernels/register';
import { checkRoiInput } from './roi_align';

export interface RoiPoolOptions {
  outputSize: [number, number];
  spatialScale: number;
}

let gradientRegistered = false;

function registerGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: ROI_POOL,
    inputsToSave: ['features', 'rois'],
    gradFunc: (dy, saved, attrs) => {
      const [features, rois] = saved;
      return {
        features: () =>
          tf.engine().runKernel(ROI_POOL_GRAD, { dy: dy as tf.Tensor, features, rois }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
        rois: () => tf.zerosLike(rois),
      };
    },
  });
}

/** The composite fallback (public for tests): each bin's pixels gathered (padded), max-reduced. */
export function roiPoolComposite(features: tf.Tensor4D, rois: tf.Tensor2D, opts: RoiPoolOptions): tf.Tensor4D {
  const r = checkRoiInput('roiPool', features, rois, opts.outputSize, opts.spatialScale);
  const [N, H, W, C] = features.shape;
  const [oh, ow] = opts.outputSize;
  const K = rois.shape[0];
  const lists: number[][] = [];
  const scale = Math.fround(opts.spatialScale);
  for (let k = 0; k < K; k++) {
    const base = r[5 * k] * H * W;
    const ys = poolRanges(r[5 * k + 2], r[5 * k + 4], oh, H, scale);
    const xs = poolRanges(r[5 * k + 1], r[5 * k + 3], ow, W, scale);
    for (let ph = 0; ph < oh; ph++) {
      for (let pw = 0; pw < ow; pw++) {
        const l: number[] = [];
        for (let y = ys[2 * ph]; y < ys[2 * ph + 1]; y++) for (let x = xs[2 * pw]; x < xs[2 * pw + 1]; x++) l.push(base + y * W + x);
        lists.push(l);
      }
    }
  }
  const len = lists.reduce((m, l) => Math.max(m, l.length), 1);
  const sentinel = N * H * W; // a row of -FLT_MAX pads the shorter bins
  const idx = new Int32Array(lists.length * len).fill(sentinel);
  lists.forEach((l, b) => idx.set(l, b * len));
  const empty = lists.map((l) => (l.length === 0 ? 1 : 0));
  return tf.tidy(() => {
    const flat = tf.concat([tf.reshape(features, [N * H * W, C]), tf.fill([1, C], -3.4028234663852886e38)], 0);
    const picked = tf.reshape(tf.gather(flat, tf.tensor1d(idx, 'int32')), [lists.length, len, C]);
    const mx = tf.max(picked, 1);
    const isEmpty = tf.tile(tf.tensor2d(empty, [lists.length, 1], 'bool'), [1, C]);
    const out = tf.where(isEmpty, tf.zerosLike(mx), mx);
    return tf.reshape(out, [K, oh, ow, C]) as tf.Tensor4D;
  });
}

export function roiPool(features: tf.Tensor4D, rois: tf.Tensor2D, opts: RoiPoolOptions): tf.Tensor4D {
  if (!hasKernel(ROI_POOL)) return roiPoolComposite(features, rois, opts);
  checkRoiInput('roiPool', features, rois, opts.outputSize, opts.spatialScale);
  registerGradient();
  const attrs: RoiPoolAttrs = { outputSize: [opts.outputSize[0], opts.outputSize[1]], spatialScale: opts.spatialScale };
  return tf.tidy(() => {
    const r = tf.cast(rois, 'float32');
    return tf.engine().runKernel(ROI_POOL, { features, rois: r }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  });
}
