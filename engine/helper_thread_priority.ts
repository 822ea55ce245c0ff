/**
 * Kernel threads first. A parallel region of the native kernels waits for its slowest thread; on a machine with few
 * cores, when another thread of the process (V8's garbage-collector helpers, libuv's pool, the data workers and
 * their libvips threads) holds a kernel thread's core, the region waits out that thread's time slice. With those
 * threads at the lowest priority (nice 19) a kernel thread that wakes takes its core at once; they still run
 * whenever a core is free. Measured inside demo training runs: 0.953 ± 0.027 and 0.980 ± 0.028 of the step time
 * with them at nice 19, no difference at nice 10 (bench/RESULTS.md, "Performance step 9"). Linux only (a thread's nice value is
 * its own there); elsewhere, or on another backend, nothing changes. Threads that a lowered thread starts later
 * inherit its priority; the training harness calls this again now and then for threads the main thread starts.
 * Only in a process that allows it (the resdet command line does): a program that trains through resdet's modules
 * keeps its own threads' priorities — without privileges they cannot be raised back.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from './native/addon';

/** The helper threads' nice value: the lowest priority. */
const HELPER_NICE = os.constants.priority.PRIORITY_LOW;

let allowed = false;

/** Lets `lowerHelperThreads` work in this process (the command line calls it: the process is resdet's alone). */
export function allowHelperThreadLowering(): void {
  allowed = true;
}

/**
 * Lowers every thread of the process but the main thread and the native kernels' team, when allowed; returns how
 * many it lowered.
 */
export function lowerHelperThreads(): number {
  const addon = allowed && tf.getBackend() === 'native' ? nativeAddon() : null;
  // an addon built before kernelThreadIds existed (code updated, `npm run build:native` not run): leave all as is
  const tasks = typeof addon?.kernelThreadIds === 'function' && process.platform === 'linux' ? threadIds() : [];
  if (!addon || !tasks.length) return 0;
  const keep = new Set([process.pid, ...addon.kernelThreadIds()]);
  let lowered = 0;
  for (const tid of tasks) {
    if (keep.has(tid)) continue;
    try {
      if (os.getPriority(tid) >= HELPER_NICE) continue;
      os.setPriority(tid, HELPER_NICE);
      lowered++;
    } catch {
      /* the thread has ended since the listing */
    }
  }
  return lowered;
}

function threadIds(): number[] {
  try {
    return fs.readdirSync('/proc/self/task').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}
