/**
 * The native backend's data-movement kernels (Transpose, GatherV2, Slice, StridedSlice, SplitV, Unpack,
 * Concat, Pack, PadV2, Tile, ResizeNearestNeighbor and its gradient), or none when the loaded addon was built
 * before them (its copyStrided is missing): tfjs-cpu's then keep serving.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../addon';
import { transposeKernel } from './transpose';
import { gatherKernel } from './gather';
import { sliceKernel, stridedSliceKernel } from './slice';
import { splitVKernel, unpackKernel } from './split';
import { concatKernel, packKernel } from './concat';
import { padKernel, tileKernel } from './pad_tile';
import { resizeNearestGradKernel, resizeNearestKernel } from './resize_nearest';

export function dataMovementKernels(): tf.KernelConfig[] {
  const a = nativeAddon() as Partial<NonNullable<ReturnType<typeof nativeAddon>>> | null;
  if (typeof a?.copyStrided !== 'function' || typeof a.gather !== 'function' || typeof a.resizeNearest !== 'function') return [];
  return [transposeKernel, gatherKernel, sliceKernel, stridedSliceKernel, splitVKernel, unpackKernel, concatKernel, packKernel,
    padKernel, tileKernel, resizeNearestKernel, resizeNearestGradKernel];
}
