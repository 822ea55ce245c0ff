/**
 * RoIAlign (torchvision.ops.roi_align) over NHWC features: rois [K,5] rows (batchIndex, x1, y1, x2, y2) in
 * image pixels, result [K, oh, ow, C]. Differentiable with respect to the features:
 * - on cpu/wasm: resdet's kernels ResdetRoiAlign / ResdetRoiAlignGrad (engine/kernels/roi_align_kernels.ts);
 * - elsewhere: a composite of gather, mul and sum (all with tfjs gradients) over the same bin → pixel
 *   weight table, computed on the host from the rois.
 * The rois get no gradient (as in torchvision's autograd function).
 *
 * Bad input is an error: rois not [K,5], a batch index that is not an integer in [0, N), a NaN or infinite
 * coordinate. Rois with x2 < x1 follow torchvision's arithmetic (aligned=false clamps the size to 1;
 * aligned=true with adaptive sampling takes no samples and gives 0). K = 0 gives [0, oh, ow, C].
 */
import * as tf from '@tensorflow/tfjs';
import { ROI_ALIGN, ROI_ALIGN_GRAD, RoiAlignAttrs, roiAlignBins } from '../../engine/kernels/roi_align_kernels';
import { hasKernel } from '../../engine/kernels/register';

export interface RoiAlignOptions {
  outputSize: [number, number];
  spatialScale: number;
  samplingRatio: number;
  aligned: boolean;
}

/** Validates features/rois/output size and returns the rois as host data. */
export function checkRoiInput(op: string, features: tf.Tensor, rois: tf.Tensor, outputSize: [number, number], spatialScale: number): Float32Array {
  if (features.rank !== 4) throw new Error(`${op}: features must be NHWC [N,H,W,C], got [${features.shape}]`);
  if (features.dtype !== 'float32') throw new Error(`${op}: features must be float32, got ${features.dtype}`);
  if (rois.rank !== 2 || rois.shape[1] !== 5) throw new Error(`${op}: rois must have shape [K,5], got [${rois.shape}]`);
  if (!Array.isArray(outputSize) || outputSize.length !== 2 || !outputSize.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${op}: outputSize must be two positive integers, got ${JSON.stringify(outputSize)}`);
  }
  if (!(Number.isFinite(spatialScale) && spatialScale > 0)) throw new Error(`${op}: spatialScale must be > 0, got ${spatialScale}`);
  const r = Float32Array.from(rois.dataSync());
  const N = features.shape[0];
  for (let k = 0; k < rois.shape[0]; k++) {
    const b = r[5 * k];
    if (!Number.isInteger(b) || b < 0 || b >= N) {
      throw new Error(`${op}: roi ${k} has batch index ${b}, but features have batch size ${N}`);
    }
    for (let j = 1; j < 5; j++) {
      if (!Number.isFinite(r[5 * k + j])) throw new Error(`${op}: roi ${k} has a non-finite coordinate (${r[5 * k + j]})`);
    }
  }
  return r;
}

let gradientRegistered = false;

function registerGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: ROI_ALIGN,
    inputsToSave: ['rois'],
    gradFunc: (dy, saved, attrs) => {
      const rois = saved[0];
      return {
        features: () => tf.engine().runKernel(ROI_ALIGN_GRAD, { dy: dy as tf.Tensor, rois }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
        rois: () => tf.zerosLike(rois),
      };
    },
  });
}

/** Elements of the gathered [bins, L, C] block per chunk of rois in the composite (bounds its memory). */
const COMPOSITE_CHUNK = 1 << 24;

/**
 * The composite fallback (public for tests): per bin, the L pixels its samples touch (padded with weight 0)
 * are gathered, weighted and summed; rois go in chunks so the gathered block stays under COMPOSITE_CHUNK.
 */
export function roiAlignComposite(
  features: tf.Tensor4D,
  rois: tf.Tensor2D,
  opts: RoiAlignOptions,
  chunkElements = COMPOSITE_CHUNK,
): tf.Tensor4D {
  const r = checkRoiInput('roiAlign', features, rois, opts.outputSize, opts.spatialScale);
  const K = rois.shape[0];
  const [N, H, W, C] = features.shape;
  const [oh, ow] = opts.outputSize;
  const perRoi: { pos: number[]; w: number[] }[][] = [];
  roiAlignBins(r, K, features.shape, opts, (bin, t) => {
    const k = Math.floor(bin / (oh * ow));
    (perRoi[k] ??= []).push({ pos: Array.from(t.pos.subarray(0, t.n)), w: Array.from(t.w.subarray(0, t.n)) });
  });
  return tf.tidy(() => {
    const flat = tf.reshape(features, [N * H * W, C]);
    const parts: tf.Tensor[] = [];
    for (let k0 = 0; k0 < K; ) {
      let L = 1;
      let k1 = k0;
      while (k1 < K) {
        const l = perRoi[k1].reduce((m, b) => Math.max(m, b.pos.length), L);
        if (k1 > k0 && (k1 - k0 + 1) * oh * ow * l * C > chunkElements) break;
        L = l;
        k1++;
      }
      const bins = perRoi.slice(k0, k1).flat();
      const idx = new Int32Array(bins.length * L);
      const wts = new Float32Array(bins.length * L);
      bins.forEach((b, i) => {
        idx.set(b.pos, i * L);
        wts.set(b.w, i * L);
      });
      const picked = tf.reshape(tf.gather(flat, tf.tensor1d(idx, 'int32')), [bins.length, L, C]);
      parts.push(tf.sum(tf.mul(picked, tf.tensor3d(wts, [bins.length, L, 1])), 1));
      k0 = k1;
    }
    const out = parts.length === 1 ? parts[0] : parts.length ? tf.concat(parts, 0) : tf.mul(tf.sum(flat), tf.zeros([0, C]));
    return tf.reshape(out, [K, oh, ow, C]) as tf.Tensor4D;
  });
}

export function roiAlign(features: tf.Tensor4D, rois: tf.Tensor2D, opts: RoiAlignOptions): tf.Tensor4D {
  if (!Number.isInteger(opts.samplingRatio)) throw new Error(`roiAlign: samplingRatio must be an integer, got ${opts.samplingRatio}`);
  if (typeof opts.aligned !== 'boolean') throw new Error(`roiAlign: aligned must be true or false, got ${opts.aligned}`);
  if (!hasKernel(ROI_ALIGN)) return roiAlignComposite(features, rois, opts);
  checkRoiInput('roiAlign', features, rois, opts.outputSize, opts.spatialScale);
  registerGradient();
  const attrs: RoiAlignAttrs & { featureShape: number[] } = {
    outputSize: [opts.outputSize[0], opts.outputSize[1]],
    spatialScale: opts.spatialScale,
    samplingRatio: opts.samplingRatio,
    aligned: opts.aligned,
    featureShape: features.shape,
  };
  return tf.tidy(() => {
    const r = tf.cast(rois, 'float32');
    return tf.engine().runKernel(ROI_ALIGN, { features, rois: r }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  });
}
