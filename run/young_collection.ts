/**
 * A young-generation garbage collection between training steps. A step allocates some megabytes of short-lived
 * JS objects (tensor handles, kernel attributes, the tape); left to itself, V8 lets them pile up and promotes
 * those alive at its next scavenge, which fills the old generation and starts a mark-compact about every other
 * step (measured on the demo), on helper threads that compete with the kernels for the CPU. A scavenge at the
 * end of a step, when almost nothing of the step is still referenced, frees them while they are cheap to free.
 *
 * V8's `gc` function is reached without starting Node with --expose-gc: the flag is set at run time and the
 * function taken from a fresh context (as jest's leak detector does); the program's own global context, made
 * before the flag, does not get a `gc`. Where that is not possible the collection is skipped: it changes speed, never results.
 */
import * as v8 from 'v8';
import * as vm from 'vm';

type GcFunction = (options?: { type?: 'major' | 'minor' }) => void;

let gcFunction: GcFunction | null | undefined;

/** V8's collector function, or null where it cannot be had. */
function collector(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    gcFunction = typeof fn === 'function' ? (fn as GcFunction) : null;
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}

/** Collects the young generation now (a scavenge); false where V8's collector is not reachable. */
export function collectYoungGeneration(): boolean {
  const gc = collector();
  if (!gc) return false;
  gc({ type: 'minor' });
  return true;
}
