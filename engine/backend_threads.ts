/** How many threads a backend computes with (null when resdet cannot tell, as for tfjs-node). */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from './native/addon';

export function backendThreads(name: string): number | null {
  if (name === 'native') return nativeAddon()?.info().threads ?? null;
  if (name === 'wasm') return tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? null : 1;
  if (name === 'cpu') return 1;
  return null;
}
