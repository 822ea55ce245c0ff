/**
 * Shared pieces of the native kernels: the backend and addon handles, the tfjs-cpu kernel each one falls
 * back to when its inputs are not what the native code handles (dtype, layout, attributes).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from '../native_backend';
import { NativeAddon, nativeAddon } from '../addon';

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type KernelResult = ReturnType<tf.KernelFunc>;

export function nb(backend: unknown): NativeBackend {
  return backend as NativeBackend;
}

export function addon(): NativeAddon {
  const a = nativeAddon();
  if (!a) throw new Error('resdet native addon not loaded');
  return a;
}

/** tfjs-cpu's implementation of `kernelName` (it runs on the native backend, a subclass of cpu's). */
export function cpuKernel(kernelName: string): tf.KernelFunc {
  const k = tf.getKernel(kernelName, 'cpu');
  if (!k) throw new Error(`tfjs-cpu has no kernel ${kernelName}`);
  return k.kernelFunc;
}

/**
 * A native kernel config: `run` returns the outputs, or null to hand the call to tfjs-cpu's kernel.
 */
export function nativeKernel(kernelName: string, run: (args: KernelArgs) => KernelResult | null): tf.KernelConfig {
  let fallback: tf.KernelFunc | null = null;
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: (args) => {
      const out = run(args);
      if (out !== null) return out;
      if (!fallback) fallback = cpuKernel(kernelName);
      return fallback(args);
    },
  };
}

export function isChannelsLast(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}
