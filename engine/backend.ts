/**
 * Backend selection. `auto` tries, in order: tfjs-node-gpu when it loads AND finds a GPU, native (resdet's
 * oneDNN addon, when built: the CPU path resdet's tests cover and the fastest here), tfjs-node (untested by
 * resdet's suite: it cannot be installed without internet), wasm (SIMD), cpu — and says which it took and why,
 * with each skipped backend's real reason (not installed, failed to load and why, no GPU). `RESDET_BACKEND` or
 * an explicit name overrides the choice. Loading `@tensorflow/tfjs` (not just core) matters: it registers the
 * gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { registerResdetKernels } from './kernels/register';
import { registerConv2DGradient } from './grads/conv2d_gradient';
import { registerExtraGradients } from './grads/extra_gradients';
import { installLeanGradients } from './grads/lean_gradients';
import { useNative } from './native/index';
import { startWasm, wasmThreadSetting } from './wasm_threads';

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

type Attempt = { ok: true; detail: string } | { ok: false; why: string };

/** tfjs-node(-gpu) as the backend: `mod` must load, and with `needGpu` its TensorFlow must see a GPU. */
async function useTensorflow(mod: string, needGpu = false): Promise<Attempt> {
  const r = tryRequire(mod);
  if (!r.ok) return r;
  if (!tf.findBackend('tensorflow')) return { ok: false, why: `${mod} loaded but registered no 'tensorflow' backend` };
  await tf.setBackend('tensorflow');
  if (needGpu && !(tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice) {
    return { ok: false, why: `${mod} found no GPU` };
  }
  return { ok: true, detail: mod };
}

/** tfjs-node-gpu, else tfjs-node (an explicit `--backend tensorflow`). */
async function useAnyTensorflow(): Promise<Attempt> {
  const gpu = await useTensorflow('@tensorflow/tfjs-node-gpu');
  if (gpu.ok) return gpu;
  const cpu = await useTensorflow('@tensorflow/tfjs-node');
  return cpu.ok ? cpu : { ok: false, why: `${gpu.why}, ${cpu.why}` };
}

async function useNativeAttempt(): Promise<Attempt> {
  try {
    return { ok: true, detail: await useNative() };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}

/** `auto`: the first backend that works, with the reasons the ones before it did not. */
async function chooseAuto(): Promise<BackendChoice> {
  const skipped: string[] = [];
  const tries: Array<[string, () => Promise<Attempt>]> = [
    ['tensorflow', () => useTensorflow('@tensorflow/tfjs-node-gpu', true)],
    ['native', useNativeAttempt],
    ['tensorflow', () => useTensorflow('@tensorflow/tfjs-node')],
  ];
  for (const [name, attempt] of tries) {
    const r = await attempt();
    if (r.ok) return { name, reason: `${skipped.length ? skipped.join('; ') + ': ' : ''}using ${name === 'native' ? r.detail : `tensorflow (${r.detail})`}` };
    skipped.push(r.why);
  }
  try {
    return { name: 'wasm', reason: `${skipped.join('; ')}: using ${await useWasm()}` };
  } catch (e) {
    await useCpu();
    return { name: 'cpu', reason: `${skipped.join('; ')}; wasm failed (${(e as Error).message}): using cpu` };
  }
}

async function useWasm(): Promise<string> {
  let threads: number;
  try {
    threads = await startWasm(wasmThreadSetting());
  } catch (e) {
    throw new BackendError((e as Error).message);
  }
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return `wasm (${threads === 1 ? '1 thread' : `${threads} threads`}${simd ? ', SIMD' : ', no SIMD'})`;
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
 * Registers resdet's extra kernels (training kernels wasm lacks, batch norm as one op, ...) for it, and the
 * backward pass that frees activations and gradients as it goes (grads/lean_gradients.ts).
 */
export async function initBackend(name?: BackendName | string): Promise<string> {
  const want = requestedName(name);
  if (current && (want === 'auto' || want === current.name)) return current.name;
  let choice: BackendChoice;
  if (want === 'tensorflow') {
    const r = await useAnyTensorflow();
    if (!r.ok) throw new BackendError(`backend 'tensorflow' requested but ${r.why} (npm install @tensorflow/tfjs-node)`);
    choice = { name: 'tensorflow', reason: `using tensorflow (${r.detail})` };
  } else if (want === 'native') {
    const r = await useNativeAttempt();
    if (!r.ok) throw new BackendError(`backend 'native' requested but ${r.why}`);
    choice = { name: 'native', reason: `using ${r.detail} (requested)` };
  } else if (want === 'wasm') {
    choice = { name: 'wasm', reason: `using ${await useWasm()} (requested)` };
  } else if (want === 'cpu') {
    await useCpu();
    choice = { name: 'cpu', reason: 'using cpu (pure JavaScript reference backend, requested)' };
  } else {
    choice = await chooseAuto();
  }
  await tf.ready();
  registerResdetKernels(choice.name);
  registerExtraGradients();
  registerConv2DGradient();
  installLeanGradients();
  current = choice;
  return choice.name;
}

/** The backend chosen by the last initBackend call, with the reason; null before any. */
export function backendChoice(): BackendChoice | null {
  return current;
}
