/**
 * Ids for convolution filters the native addon may keep in its own weight layout. A filter tensor seen a
 * second time (eval-mode weights, frozen weights: the same tensor data call after call) gets an id; the addon
 * then reorders it once and keeps that copy, instead of reordering it on every call. Tensor data never changes
 * under a data id (new values get a new one), so the copy stays valid until the data is disposed, when the
 * backend releases it (NativeBackend.disposeData). Filters used once (training: new weights every step) get no
 * id and cost nothing.
 */
interface Entry {
  id: number;
}

const seen = new WeakMap<object, Entry>();
let next = 1;

/** 0 the first time a filter's data id is seen, then a stable id > 0. */
export function reusedWeightId(dataId: object): number {
  const e = seen.get(dataId);
  if (!e) {
    seen.set(dataId, { id: 0 });
    return 0;
  }
  if (e.id === 0) e.id = next++;
  return e.id;
}

/** The id given to a data id being disposed (0 when none), forgetting it. */
export function takeWeightId(dataId: object): number {
  const e = seen.get(dataId);
  if (!e) return 0;
  seen.delete(dataId);
  return e.id;
}

/** Whether a data id was ever used as a filter (its data must then never change). */
export function seenAsFilter(dataId: object): boolean {
  return seen.has(dataId);
}
