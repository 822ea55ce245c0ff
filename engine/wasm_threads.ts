/**
 * The wasm backend with several threads under Node.
 *
 * tfjs-backend-wasm ships a threaded SIMD build (XNNPACK's convolutions and matrix products on a pthreadpool of
 * Emscripten workers) but turns it off under Node (tensorflow/tfjs#3830) for two reasons this module works around
 * while the backend initialises, and only then:
 * - it hands Emscripten the worker script and its own module factory as Blob URLs, which Node's worker_threads
 *   cannot load: the two Blobs' text is written to files in a fresh temporary folder instead (the factory with the
 *   four Node modules its bundle names `require$$N`, the worker with a stub that makes it load that file; both
 *   written once, engine/wasm_blob_files.ts), and the folder is removed once the backend is up (every worker of
 *   Emscripten's pool has loaded both by then; one that ends before it has loaded fails the start);
 * - Emscripten caps the threads at half of `os.cpus()` (hyper-threads in a browser; here the cores are whole):
 *   `os.cpus()` reports twice the requested count while the backend initialises.
 * Results with several threads can differ from one thread's in the last bits (a training run then takes another
 * path); the same count gives the same results run after run. Without RESDET_THREADS (or with 1) wasm runs its
 * single-threaded build.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { captureBlobUrls } from './wasm_blob_files';

/** Emscripten's pool in tfjs's threaded build has 8 workers; more threads would need more workers later. */
const MAX_WASM_THREADS = 8;

/**
 * RESDET_THREADS when set (at most 8), else 1: several threads are opt-in. wasm's count is fixed when it starts,
 * before a run's checkpoint is read, and results change in the last bits with it: resume a run with the
 * RESDET_THREADS it was trained with. (Processes that sometimes ended with 0 and no output while wasm started with
 * threads, which kept them off by default before, were a race in writing the worker script, fixed in
 * engine/wasm_blob_files.ts.)
 */
export function wasmThreadSetting(): number {
  const n = Number(process.env.RESDET_THREADS);
  return Number.isInteger(n) && n > 0 ? Math.min(MAX_WASM_THREADS, n) : 1;
}

interface WasmModuleApi {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/**
 * Initialises tfjs's wasm backend with `threads` threads (1, or no writable temporary folder: the single-threaded
 * build). Returns the thread count in effect.
 */
export async function startWasm(threads: number): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const wasm = require('@tensorflow/tfjs-backend-wasm') as WasmModuleApi;
  if ((tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm) {
    await tf.setBackend('wasm'); // started before: its threads are fixed
    return wasmThreads();
  }
  const dir = threads > 1 ? scriptFolder() : null;
  if (!dir) {
    await setWasmBackend();
    return 1;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  const watch = watchPoolWorkers();
  const restore = [captureBlobUrls(dir), reportCpus(2 * threads), watch.stop];
  try {
    await Promise.race([setWasmBackend(), watch.failed]);
    letProcessExit();
  } catch (e) {
    await watch.endAll(); // none of them may go on to load from the folder removed below
    throw e;
  } finally {
    for (const undo of restore) undo();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return wasm.getThreadsCount();
}

async function setWasmBackend(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
}

/** A fresh temporary folder for the two scripts, or null when none can be made (then: one thread). */
function scriptFolder(): string | null {
  try {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-wasm-'));
  } catch {
    return null;
  }
}

/**
 * While the backend starts, a worker of Emscripten's pool that ends before it has loaded fails the start (`failed`
 * rejects): Emscripten unrefs each worker once loaded and would wait for the lost one forever, so with the others
 * loaded the process would exit with 0 and no word. (A race in writing the worker script did that, now fixed.)
 * Emscripten takes `worker_threads.Worker` when tfjs's factory runs; `stop` puts it back, `endAll` ends the pool's
 * workers after a failed start.
 */
function watchPoolWorkers(): { failed: Promise<never>; stop: () => void; endAll: () => Promise<void> } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const threads = require('worker_threads') as { Worker: typeof import('worker_threads').Worker };
  const Original = threads.Worker;
  let watching = true;
  const made: import('worker_threads').Worker[] = [];
  let fail: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => undefined); // rejected after the start has gone another way: not an unhandled rejection
  class WatchedWorker extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      made.push(this);
      this.once('exit', (code) => {
        if (watching && !(this as unknown as { loaded?: boolean }).loaded) {
          const why = `a worker of its pool ended while loading (exit code ${code})`;
          fail(new Error(`the threaded wasm backend did not start: ${why}; RESDET_THREADS=1 runs the single-threaded build`));
        }
      });
    }
  }
  threads.Worker = WatchedWorker;
  return {
    failed,
    endAll: async () => {
      watching = false;
      await Promise.all(made.map((w) => w.terminate()));
    },
    stop: () => {
      watching = false;
      made.length = 0;
      threads.Worker = Original;
      const global = globalThis as { Worker?: unknown };
      if (global.Worker === WatchedWorker) global.Worker = Original;
    },
  };
}

/**
 * Emscripten's workers (its pool, and the pthreadpool's threads that wait for work forever) would keep Node's
 * event loop alive: a process would never end by itself.
 */
function letProcessExit(): void {
  type Pool = { runningWorkers?: Array<{ unref?: () => void }>; unusedWorkers?: Array<{ unref?: () => void }> };
  const pool = (tf.findBackend('wasm') as unknown as { wasm?: { PThread?: Pool } }).wasm?.PThread;
  for (const w of [...(pool?.runningWorkers ?? []), ...(pool?.unusedWorkers ?? [])]) w.unref?.();
}

/** `os.cpus()` reports `n` entries until the returned function is called. */
function reportCpus(n: number): () => void {
  // the module object itself (an `import * as` binding is a copy the bundle does not see)
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const nodeOs = require('os') as { cpus: () => os.CpuInfo[] };
  const cpus = nodeOs.cpus;
  const one = cpus()[0];
  nodeOs.cpus = () => Array.from({ length: n }, () => one);
  return () => {
    nodeOs.cpus = cpus;
  };
}

/** The threads of the wasm backend in use (1 for the single-threaded build). */
export function wasmThreads(): number {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const n = (require('@tensorflow/tfjs-backend-wasm') as WasmModuleApi).getThreadsCount();
    return n > 0 ? n : 1;
  } catch {
    return 1; // not initialised
  }
}
