/**
 * Backend selection. `auto` tries, in order: tfjs-node-gpu, tfjs-node, native (resdet's oneDNN addon,
 * when built), wasm (SIMD), cpu — and says which it took and why. `RESDET_BACKEND` or an explicit name
 * overrides the choice. Loading `@tensorflow/tfjs` (not just core) matters: it registers the gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { registerResdetKernels } from './kernels/register';
import { registerExtraGradients } from './grads/extra_gradients';
import { useNative } from './native/index';

export type BackendName = 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
export const BACKEND_NAMES: BackendName[] = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'];

export interface BackendChoice {
  /** tfjs backend name actually in use: 'tensorflow' | 'native' | 'wasm' | 'cpu' */
  name: string;
  /** one line saying why, e.g. "tfjs-node not installed: using wasm (1 thread, SIMD)" */
  reason: string;
}

let current: BackendChoice | null = null;

export class BackendError extends Error {}

function tryRequire(mod: string): { ok: true } | { ok: false; why: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require(mod);
    return { ok: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${mod}'`)) {
      return { ok: false, why: `${mod} not installed` };
    }
    return { ok: false, why: `${mod} failed to load (${String(err.message).split('\n')[0]})` };
  }
}

async function useTensorflow(): Promise<{ ok: true; detail: string } | { ok: false; why: string }> {
  for (const mod of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const r = tryRequire(mod);
    if (r.ok && tf.findBackend('tensorflow')) {
      await tf.setBackend('tensorflow');
      return { ok: true, detail: mod };
    }
  }
  return { ok: false, why: 'tfjs-node not installed' };
}

async function useWasm(): Promise<string> {
  require('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new BackendError('the wasm backend failed to initialise');
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  return `wasm (${threads ? 'multi-thread' : '1 thread'}${simd ? ', SIMD' : ', no SIMD'})`;
}

async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  // tfjs-cpu prints an advertisement for tfjs-node on first use; resdet already said which backend it took.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

function requestedName(name?: string): BackendName {
  // an explicit name wins; 'auto' (every config's default) defers to RESDET_BACKEND when it is set
  const n = (name && name.toLowerCase() !== 'auto' ? name : process.env.RESDET_BACKEND || 'auto').toLowerCase();
  const alias: Record<string, BackendName> = { node: 'tensorflow', 'tfjs-node': 'tensorflow' };
  const resolved = (alias[n] ?? n) as BackendName;
  if (!BACKEND_NAMES.includes(resolved)) {
    throw new BackendError(`unknown backend '${n}': expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  return resolved;
}

/**
 * Selects and initialises the tfjs backend; returns its tfjs name. Idempotent for the same request.
 * Registers resdet's extra kernels (training kernels wasm lacks, batch norm as one op, ...) for it.
 */
export async function initBackend(name?: BackendName | string): Promise<string> {
  const want = requestedName(name);
  if (current && (want === 'auto' || want === current.name)) return current.name;
  let choice: BackendChoice;
  if (want === 'tensorflow') {
    const r = await useTensorflow();
    if (!r.ok) throw new BackendError(`backend 'tensorflow' requested but ${r.why} (npm install @tensorflow/tfjs-node)`);
    choice = { name: 'tensorflow', reason: `using tensorflow (${r.detail})` };
  } else if (want === 'native') {
    try {
      choice = { name: 'native', reason: `using ${await useNative()} (requested)` };
    } catch (e) {
      throw new BackendError(`backend 'native' requested but ${(e as Error).message}`);
    }
  } else if (want === 'wasm') {
    choice = { name: 'wasm', reason: `using ${await useWasm()} (requested)` };
  } else if (want === 'cpu') {
    await useCpu();
    choice = { name: 'cpu', reason: 'using cpu (pure JavaScript reference backend, requested)' };
  } else {
    const r = await useTensorflow();
    let native: string | null = null;
    let nativeWhy = '';
    if (!r.ok) {
      try {
        native = await useNative();
      } catch (e) {
        nativeWhy = (e as Error).message;
      }
    }
    if (r.ok) {
      choice = { name: 'tensorflow', reason: `using tensorflow (${r.detail})` };
    } else if (native) {
      choice = { name: 'native', reason: `${r.why}: using ${native}` };
    } else {
      try {
        choice = { name: 'wasm', reason: `${r.why}, ${nativeWhy}: using ${await useWasm()}` };
      } catch (e) {
        await useCpu();
        choice = { name: 'cpu', reason: `${r.why}, ${nativeWhy}, wasm failed (${(e as Error).message}): using cpu` };
      }
    }
  }
  await tf.ready();
  registerResdetKernels(choice.name);
  registerExtraGradients();
  current = choice;
  return choice.name;
}

/** The backend chosen by the last initBackend call, with the reason; null before any. */
export function backendChoice(): BackendChoice | null {
  return current;
}
