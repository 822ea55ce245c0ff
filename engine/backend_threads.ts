/** How many threads a backend computes with (null when resdet cannot tell, as for tfjs-node). */
import { nativeAddon } from './native/addon';
import { wasmThreads } from './wasm_threads';

/** "1 thread", "2 threads"; "? threads" when the count is unknown. */
export function threadsLabel(n: number | null | undefined): string {
  return `${n ?? '?'} thread${n === 1 ? '' : 's'}`;
}

export function backendThreads(name: string): number | null {
  if (name === 'native') return nativeAddon()?.info().threads ?? null;
  if (name === 'wasm') return wasmThreads();
  if (name === 'cpu') return 1;
  return null;
}

/**
 * Sets the native backend's thread count (RESDET_THREADS, when set, wins: it is the user's explicit choice).
 * Returns the count in effect. Other backends are left as they are (null).
 */
export function setBackendThreads(name: string, n: number): number | null {
  if (name !== 'native') return backendThreads(name);
  const addon = nativeAddon();
  if (!addon) return null;
  if (!process.env.RESDET_THREADS) addon.setThreads(n);
  return addon.info().threads;
}
