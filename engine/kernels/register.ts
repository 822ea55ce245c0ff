/**
 * resdet's own kernels, registered per backend when the backend is initialised:
 * - composite ops that run as one kernel with their own backward (batch norm in training, ...),
 *   written for the TypedArray backends (cpu, wasm) and overridable by faster backends;
 * - the training kernels the wasm backend lacks (Conv2DBackpropFilter, UnsortedSegmentSum, ...) and
 *   replacements for its slow ones.
 * Backends without a registration (tensorflow) use each op's tfjs composite fallback.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormKernels } from './batch_norm_kernels';
import { wasmTrainingKernels } from './wasm/index';
import { roiAlignKernels } from './roi_align_kernels';
import { roiPoolKernels } from './roi_pool_kernels';
import { boxIouKernels } from './box_iou_kernels';
import { unsortedSegmentSumKernel } from './unsorted_segment_sum';
import { resizeNearestGradKernel } from './resize_nearest_grad';
import { runningStatsKernel } from './running_stats_kernels';

const registered = new Set<string>();

function kernelsFor(backendName: string): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  if (backendName === 'cpu' || backendName === 'wasm') out.push(...batchNormKernels(backendName));
  // the native backend has its own RoI kernels (engine/native/kernels/roi.ts); it keeps tfjs-cpu's TypedArray
  // storage, so the other JavaScript kernels serve it as they are
  if (backendName === 'cpu' || backendName === 'wasm') out.push(...roiAlignKernels(backendName), ...roiPoolKernels(backendName));
  if (backendName === 'cpu' || backendName === 'wasm' || backendName === 'native') {
    out.push(...boxIouKernels(backendName), unsortedSegmentSumKernel(backendName), runningStatsKernel(backendName));
  }
  // tfjs-cpu's reads the wrong image's dy for batches > 1, wasm's ignores halfPixelCenters
  if (backendName === 'cpu' || backendName === 'wasm') out.push(resizeNearestGradKernel(backendName));
  if (backendName === 'wasm') out.push(...wasmTrainingKernels());
  return out;
}

export function registerResdetKernels(backendName: string): void {
  if (registered.has(backendName)) return;
  registered.add(backendName);
  for (const config of kernelsFor(backendName)) {
    if (tf.getKernel(config.kernelName, backendName)) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
}

/** True when `kernelName` has an implementation on the active backend. */
export function hasKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
