/**
 * RoIAlign and RoIPool forward and backward (ResdetRoiAlign / ResdetRoiAlignGrad, ResdetRoiPool /
 * ResdetRoiPoolGrad) in the addon's OpenMP loops (src/roi.cc), with the arithmetic of the JavaScript kernels
 * the cpu and wasm backends run (engine/kernels/roi_align_kernels.ts, roi_pool_kernels.ts). Inputs that are not
 * float32 arrays go to those JavaScript kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { ROI_ALIGN, ROI_ALIGN_GRAD, RoiAlignAttrs, roiAlignKernels } from '../../kernels/roi_align_kernels';
import { ROI_POOL, ROI_POOL_GRAD, RoiPoolAttrs, roiPoolKernels } from '../../kernels/roi_pool_kernels';
import { addon, KernelArgs, KernelResult, nb } from './common';

type AlignAttrs = RoiAlignAttrs & { featureShape: number[] };

/** A 'native' kernel whose `run` returns null to hand the call to the JavaScript kernel of the same name. */
function withJsFallback(kernelName: string, js: tf.KernelConfig[], run: (args: KernelArgs) => KernelResult | null): tf.KernelConfig {
  const fallback = js.find((k) => k.kernelName === kernelName);
  if (!fallback) throw new Error(`engine/native/kernels/roi.ts: no JavaScript kernel ${kernelName}`);
  return { kernelName, backendName: 'native', kernelFunc: (args) => run(args) ?? fallback.kernelFunc(args) };
}

function geom(featureShape: number[], K: number, outputSize: [number, number], extra: number[] = []): Int32Array {
  return Int32Array.from([...featureShape, K, outputSize[0], outputSize[1], ...extra]);
}

function alignGeom(a: AlignAttrs, featureShape: number[], K: number): Int32Array {
  return geom(featureShape, K, a.outputSize, [a.samplingRatio, a.aligned ? 1 : 0]);
}

export function roiKernels(): tf.KernelConfig[] {
  const jsAlign = roiAlignKernels('native');
  const jsPool = roiPoolKernels('native');

  const align = withJsFallback(ROI_ALIGN, jsAlign, ({ inputs, attrs, backend }) => {
    const be = nb(backend);
    const { features, rois } = inputs as Record<string, tf.TensorInfo>;
    const f = be.f32(features), r = be.f32(rois);
    if (!f || !r || features.shape.length !== 4) return null;
    const a = attrs as unknown as AlignAttrs;
    const K = rois.shape[0];
    const out = be.allocF32([K, a.outputSize[0], a.outputSize[1], features.shape[3]]);
    addon().roiAlign(f, r, out.values, alignGeom(a, features.shape, K), a.spatialScale);
    return out.info;
  });

  const alignGrad = withJsFallback(ROI_ALIGN_GRAD, jsAlign, ({ inputs, attrs, backend }) => {
    const be = nb(backend);
    const { dy, rois } = inputs as Record<string, tf.TensorInfo>;
    const d = be.f32(dy), r = be.f32(rois);
    const a = attrs as unknown as AlignAttrs;
    if (!d || !r || a.featureShape.length !== 4) return null;
    const dx = be.allocF32(a.featureShape);
    addon().roiAlignGrad(d, r, dx.values, alignGeom(a, a.featureShape, rois.shape[0]), a.spatialScale);
    return dx.info;
  });

  const pool = withJsFallback(ROI_POOL, jsPool, ({ inputs, attrs, backend }) => {
    const be = nb(backend);
    const { features, rois } = inputs as Record<string, tf.TensorInfo>;
    const f = be.f32(features), r = be.f32(rois);
    if (!f || !r || features.shape.length !== 4) return null;
    const a = attrs as unknown as RoiPoolAttrs;
    const K = rois.shape[0];
    const out = be.allocF32([K, a.outputSize[0], a.outputSize[1], features.shape[3]]);
    addon().roiPool(f, r, out.values, geom(features.shape, K, a.outputSize), a.spatialScale);
    return out.info;
  });

  const poolGrad = withJsFallback(ROI_POOL_GRAD, jsPool, ({ inputs, attrs, backend }) => {
    const be = nb(backend);
    const { dy, features, rois } = inputs as Record<string, tf.TensorInfo>;
    const d = be.f32(dy), f = be.f32(features), r = be.f32(rois);
    if (!d || !f || !r || features.shape.length !== 4) return null;
    const a = attrs as unknown as RoiPoolAttrs;
    const dx = be.allocF32(features.shape);
    addon().roiPoolGrad(d, f, r, dx.values, geom(features.shape, rois.shape[0], a.outputSize), a.spatialScale);
    return dx.info;
  });

  return [align, alignGrad, pool, poolGrad];
}
