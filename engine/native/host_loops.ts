/**
 * The detector's host-side loops (pairwise IoU, anchor matching, top-k, greedy NMS) in the native addon, for the
 * JS originals to hand over to while the native backend is the active one. The native loops compute bit for bit
 * what the JS ones compute (engine/native/src/boxes.cc); on every other backend, with an addon built before they
 * existed, or with RESDET_HOST_LOOPS=js (to compare the two), the JS loops run.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon, NativeAddon } from './addon';

export type NativeHostLoops = Pick<NativeAddon, 'boxIou' | 'matchQuality' | 'topK' | 'nmsGreedy'>;

/** The native host loops, or null when the JS loops should run. */
export function nativeHostLoops(): NativeHostLoops | null {
  if (tf.getBackend() !== 'native' || process.env.RESDET_HOST_LOOPS === 'js') return null;
  const addon = nativeAddon();
  return addon && typeof addon.nmsGreedy === 'function' ? addon : null;
}
