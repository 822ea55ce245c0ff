/**
 * The wasm backend with several threads under Node (engine/wasm_threads.ts), in child processes of the built code:
 * RESDET_THREADS=2 gives tfjs's threaded build with 2 threads, =1 the single-threaded one; both compute the same
 * convolution and matrix product (to float rounding), the temporary files of the start are gone, and the process
 * ends by itself (Emscripten's workers do not hold it).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';
import { relErr } from '../helpers/kernel_parity';
import { wasmThreadSetting } from '../../engine/wasm_threads';

const DIST = path.join(ROOT, 'dist', 'engine');
const SCRIPT = `
const tf = require('@tensorflow/tfjs');
const { initBackend, backendChoice } = require(${JSON.stringify(path.join(DIST, 'backend'))});
const { backendThreads } = require(${JSON.stringify(path.join(DIST, 'backend_threads'))});
initBackend('wasm').then(() => {
  const x = tf.randomNormal([2, 24, 24, 16], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 2);
  const conv = tf.conv2d(x, w, 1, 'same').dataSync();
  const mm = tf.matMul(tf.randomNormal([64, 300], 0, 1, 'float32', 3), tf.randomNormal([300, 48], 0, 1, 'float32', 4)).dataSync();
  console.log(JSON.stringify({ reason: backendChoice().reason, threads: backendThreads('wasm'), conv: Array.from(conv), mm: Array.from(mm) }));
});`;

interface Result { reason: string; threads: number; conv: number[]; mm: number[] }

function run(threads: string, tmp: string): Result {
  const r = spawnSync(process.execPath, ['-e', SCRIPT], {
    cwd: ROOT, encoding: 'utf8', timeout: 60000, env: { ...process.env, RESDET_THREADS: threads, TMPDIR: tmp },
  });
  expect(r.error).toBeUndefined(); // not killed by the timeout: the process ended by itself
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

test('RESDET_THREADS=2: the threaded wasm build with 2 threads, the same results as 1 thread, nothing left behind', () => {
  const tmp = tempDir('wasm-threads');
  const two = run('2', tmp);
  const one = run('1', tmp);
  expect(two.reason).toBe('using wasm (2 threads, SIMD) (requested)');
  expect(two.threads).toBe(2);
  expect(one.reason).toBe('using wasm (1 thread, SIMD) (requested)');
  expect(one.threads).toBe(1);
  expect(relErr(Float32Array.from(two.conv), Float32Array.from(one.conv))).toBeLessThan(1e-5);
  expect(relErr(Float32Array.from(two.mm), Float32Array.from(one.mm))).toBeLessThan(1e-5);
  expect(two.conv).toHaveLength(2 * 24 * 24 * 32);
  expect(two.mm).toHaveLength(64 * 48);
  expect(fs.readdirSync(tmp).filter((f) => f.startsWith('resdet-wasm-'))).toEqual([]);
});

// a stand-in for any cause: the first worker Emscripten makes runs an empty script and ends before it has loaded
const LOST_WORKER = `
const threads = require('worker_threads');
const Original = threads.Worker;
let made = 0;
threads.Worker = class extends Original {
  constructor(file, options) {
    if (made++ === 0) super('', { eval: true });
    else super(file, options);
  }
};
const { initBackend } = require(${JSON.stringify(path.join(DIST, 'backend'))});
initBackend('wasm').then(() => console.log('started'), (e) => { console.log(e.message); process.exitCode = 3; });`;

test('a pool worker that ends while loading fails the start with a message (before: exit 0 and no output)', () => {
  const tmp = tempDir('wasm-lost-worker');
  const r = spawnSync(process.execPath, ['-e', LOST_WORKER], {
    cwd: ROOT, encoding: 'utf8', timeout: 60000, env: { ...process.env, RESDET_THREADS: '2', TMPDIR: tmp },
  });
  expect(r.error).toBeUndefined();
  expect(r.stdout.trim()).toBe('the threaded wasm backend did not start: a worker of its pool ended while loading (exit code 0); RESDET_THREADS=1 runs the single-threaded build');
  expect(r.status).toBe(3);
  expect(fs.readdirSync(tmp).filter((f) => f.startsWith('resdet-wasm-'))).toEqual([]);
});

test('several threads are opt-in: RESDET_THREADS (at most 8, the workers of the Emscripten pool), else 1', () => {
  const saved = process.env.RESDET_THREADS;
  try {
    delete process.env.RESDET_THREADS;
    expect(wasmThreadSetting()).toBe(1);
    process.env.RESDET_THREADS = '3';
    expect(wasmThreadSetting()).toBe(3);
    process.env.RESDET_THREADS = '64';
    expect(wasmThreadSetting()).toBe(8);
  } finally {
    if (saved === undefined) delete process.env.RESDET_THREADS;
    else process.env.RESDET_THREADS = saved;
  }
});
