/**
 * Overlap of host memory views, for collectives that work on a tensor's own host array in place (the array itself:
 * hostStorage in engine/host_read.ts).
 */

/** True when `a` and `b` share any byte of memory. */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
