/**
 * engine/helper_thread_priority.ts, in a child process of the built code (a thread's nice value cannot be raised
 * back without privileges, so jest's own threads are left alone): nothing until the process allows it (the command
 * line does; test/bin/helper_threads_cli.test.ts); then, on the native backend, every thread but the main
 * thread and the kernels' OpenMP team goes to nice 19 — V8's platform threads, and a worker thread standing in for
 * a data worker — and the kernel threads stay at the main thread's priority. Values from /proc, not from the module.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ROOT } from '../helpers/cli';
import { requires } from '../helpers/requirements';

const { test: testNative } = requires('native');
const DIST = path.join(ROOT, 'dist', 'engine');

const SCRIPT = `
const fs = require('fs');
const { Worker } = require('worker_threads');
const { initBackend } = require(${JSON.stringify(path.join(DIST, 'backend'))});
const { nativeAddon } = require(${JSON.stringify(path.join(DIST, 'native', 'addon'))});
const { allowHelperThreadLowering, lowerHelperThreads } = require(${JSON.stringify(path.join(DIST, 'helper_thread_priority'))});
// field 19 of /proc/<tid>/stat, counted after the command name's closing parenthesis
const nice = (tid) => Number(fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(')').pop().trim().split(' ')[16]);
const tids = () => fs.readdirSync('/proc/self/task').map(Number);
initBackend('native').then(() => {
  const kernel = nativeAddon().kernelThreadIds();
  const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
  worker.once('online', () => {
    const unallowed = lowerHelperThreads(); // a program using resdet's modules: its threads are its own
    const before = tids().map(nice);
    allowHelperThreadLowering(); // as the command line does
    const lowered = lowerHelperThreads();
    const after = Object.fromEntries(tids().map((t) => [t, nice(t)]));
    const again = lowerHelperThreads();
    console.log(JSON.stringify({ pid: process.pid, kernel, unallowed, before, lowered, after, again }));
    worker.terminate();
  });
});`;

testNative('on native, when allowed: every thread but the main thread and the kernel threads at nice 19, once', () => {
  const r = spawnSync(process.execPath, ['-e', SCRIPT], { cwd: ROOT, encoding: 'utf8', timeout: 60000, env: { ...process.env, RESDET_THREADS: '2' } });
  expect(r.status).toBe(0);
  const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    pid: number; kernel: number[]; unallowed: number; before: number[]; lowered: number; after: Record<string, number>; again: number;
  };
  expect(got.kernel).toHaveLength(2); // RESDET_THREADS=2: the main thread and one OpenMP worker
  expect(got.kernel[0]).toBe(got.pid); // the calling thread is the team's first
  expect(got.unallowed).toBe(0);
  expect(got.before.every((n) => n === 0)).toBe(true); // not allowed: nothing changed
  const others = Object.keys(got.after).map(Number).filter((t) => !got.kernel.includes(t));
  expect(others.length).toBeGreaterThanOrEqual(5); // V8's platform threads, libuv's, the worker's
  expect(got.lowered).toBe(others.length);
  for (const t of others) expect(got.after[t]).toBe(19);
  for (const t of got.kernel) expect(got.after[t]).toBe(0);
  expect(got.again).toBe(0); // nothing left to lower
});
