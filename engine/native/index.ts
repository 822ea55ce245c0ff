/**
 * The native backend's entry point for engine/backend.ts: registers and activates it when the addon is
 * built, or says why it is not available.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon, nativeMissingReason } from './addon';
import { registerNativeBackend } from './native_backend';
import { nativeKernels } from './kernels/index';
import { registerNativeReluGradient } from './relu_grad';
import { threadsLabel } from '../backend_threads';

export const NATIVE_HINT = 'apt-get install libdnnl-dev, then npm rebuild / npm run build:native';

/** Registers the 'native' backend if the addon loads; returns null, or why it is unavailable. */
export function nativeUnavailable(): string | null {
  const addon = nativeAddon();
  if (!addon) return nativeMissingReason();
  registerNativeBackend(nativeKernels);
  registerNativeReluGradient();
  return null;
}

/** Activates the native backend; returns a description (oneDNN version, threads) or throws. */
export async function useNative(): Promise<string> {
  const why = nativeUnavailable();
  if (why) throw new Error(`native backend not built: ${why}; ${NATIVE_HINT}`);
  const ok = await tf.setBackend('native');
  if (!ok) throw new Error('the native backend failed to initialise');
  const info = (nativeAddon() as NonNullable<ReturnType<typeof nativeAddon>>).info();
  return `native (oneDNN ${info.onednn}, ${threadsLabel(info.threads)})`;
}
