/**
 * Reuse of large Float32Array outputs: allocating (and zeroing) a fresh multi-megabyte array per kernel
 * costs as much as a native element-wise kernel. Arrays the pool handed out come back when their tensor's
 * data is disposed — unless they escaped: read by `dataSync` / `data` / `arraySync` (the backend's
 * readSync returns its own array) or shared with another tensor (a view such as Slice's subarray, or the
 * same array written under another data id). Escaped arrays are never reused.
 * When the pool is full, a returned array may evict the arrays of stale sizes: sizes not requested for twice the
 * longest interval at which the sizes in use recur (about two training steps). A run that changes shapes (a new
 * batch size, another input size, multi-scale images) would otherwise find the pool full of the old shapes'
 * arrays and allocate every output afresh (measured: a ResNet-20 step on 1x28x28 took 3x as long after steps
 * on 3x32x32 in the same process). Sizes still in use are never evicted for each other: when one step needs
 * more than the pool holds, the arrays that do not fit are dropped, not cycled.
 */
import * as os from 'os';

const MIN_POOLED = 4096; // elements; smaller arrays are cheap to allocate
/**
 * A request with no free array of its size is served by the smallest free array up to this much larger (the
 * first n elements of it, as a view). Sizes that change every step — the RoIs per pyramid level, a batch of
 * another image shape — otherwise miss: the demo detector missed ~4 MB of outputs a step, each fresh array paying
 * its first-touch page faults (~2.5 ms per MB on this project's VMs).
 */
const LOOSE_FIT = 1.25;
/**
 * The most the pool holds: a quarter of the memory this process may use (the machine's, or a container's limit
 * when lower), at least 512 MiB. A fresh array costs far more than a pooled one: its pages are zeroed on first
 * touch, and on this 2-core VM a fresh 30 MB array took 90–120 ms where a pooled one took 4 ms (the host backs
 * the pages again once the guest has returned them). With the earlier cap of 1/16 of memory (1.5 GiB here) an
 * R50-FPN training step at 600x800 missed 2.2 GB of its 3.6 GB of outputs and took 6.05 s; with room for them
 * it misses none after the first step and takes 3.07 s, for 4.40 GB peak RSS instead of 4.14 (the pooled arrays
 * are the memory the step would otherwise free and allocate again). Sizes that stop being requested are dropped
 * without waiting for the pool to fill (dropStale), so a larger cap does not mean arrays of old shapes are kept.
 */
function usableMemory(): number {
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  return limit > 0 ? Math.min(limit, os.totalmem()) : os.totalmem();
}
export const MAX_POOL_BYTES = Math.max(512 * 1024 ** 2, Math.floor(usableMemory() / 4));
/** requests (takes) within which a size's recurrence interval counts towards the staleness window */
const HORIZON = 1 << 16;
/** every this many requests, arrays of sizes gone stale are dropped even when the pool is not full */
const SWEEP_EVERY = 256;

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<ArrayBuffer>();
  private readonly escaped = new WeakSet<ArrayBuffer>();
  /** the pooled array under each view handed out by a loose fit */
  private readonly baseOf = new WeakMap<Float32Array, Float32Array>();
  /**
   * per size: the `take` count when it was last requested, and the longest interval between two of its requests
   * (within HORIZON). The longest, not the last: a training step requests many sizes in bursts (every block of a
   * stage, forward then backward), and the last interval of each is then a few requests while the step is
   * thousands — with last intervals, R50-C4's pooled arrays were dropped as stale every other step.
   */
  private readonly lastUse = new Map<number, number>();
  private readonly longestGap = new Map<number, number>();
  private takes = 0;
  private bytes = 0;
  hits = 0;
  misses = 0;

  /** `maxBytes`: the most the pool holds for reuse. */
  constructor(private readonly maxBytes = MAX_POOL_BYTES) {}

  /** A float32 array of n elements; its contents are arbitrary when it comes from the pool. */
  take(n: number): Float32Array {
    if (n >= MIN_POOLED) {
      this.request(n);
      if (this.takes % SWEEP_EVERY === 0) this.dropStale();
    }
    const list = this.free.get(n);
    if (list && list.length > 0) {
      this.hits++;
      this.bytes -= n * 4;
      return list.pop() as Float32Array;
    }
    const loose = n >= MIN_POOLED ? this.looseFit(n) : null;
    if (loose) return loose;
    const a = new Float32Array(n);
    if (n >= MIN_POOLED) {
      this.misses++;
      this.owned.add(a.buffer as ArrayBuffer);
    }
    return a;
  }

  /** Marks the buffer under `values` as shared beyond its tensor: never reused. */
  escape(values: unknown): void {
    const buf = (values as { buffer?: ArrayBuffer } | null)?.buffer;
    if (buf && this.owned.has(buf)) this.escaped.add(buf);
  }

  /** Whether the buffer under `values` is one the pool made and that never escaped (no one outside holds it). */
  isPrivate(values: Float32Array): boolean {
    const buf = values.buffer as ArrayBuffer;
    return this.owned.has(buf) && !this.escaped.has(buf);
  }

  /** The first n elements of the smallest free array of up to LOOSE_FIT * n elements, or null. */
  private looseFit(n: number): Float32Array | null {
    let best = 0;
    for (const [m, list] of this.free) if (m > n && m <= LOOSE_FIT * n && list.length > 0 && (best === 0 || m < best)) best = m;
    if (best === 0) return null;
    const base = (this.free.get(best) as Float32Array[]).pop() as Float32Array;
    this.lastUse.set(best, this.takes); // in use: not stale while it serves other sizes
    this.hits++;
    this.bytes -= best * 4;
    const view = base.subarray(0, n);
    this.baseOf.set(view, base);
    return view;
  }

  /** Returns an array whose tensor data was disposed. */
  give(returned: unknown): void {
    if (!(returned instanceof Float32Array)) return;
    const base = this.baseOf.get(returned);
    if (base) this.baseOf.delete(returned);
    const values = base ?? returned;
    const buf = values.buffer as ArrayBuffer;
    if (!this.owned.has(buf) || this.escaped.has(buf)) return;
    if (values.byteOffset !== 0 || values.byteLength !== buf.byteLength) return;
    const list = this.free.get(values.length) ?? [];
    if (list.includes(values)) return;
    if (this.bytes + values.byteLength > this.maxBytes && !this.evict(values.length, values.byteLength)) return;
    list.push(values);
    this.free.set(values.length, list);
    this.bytes += values.byteLength;
  }

  private request(n: number): void {
    const prev = this.lastUse.get(n);
    this.takes++;
    const gap = prev === undefined ? 0 : this.takes - prev;
    if (gap > 0 && gap <= HORIZON) this.longestGap.set(n, Math.max(gap, this.longestGap.get(n) ?? 0));
    this.lastUse.set(n, this.takes);
  }

  /**
   * Twice the longest recurrence interval of the sizes requested lately (about two training steps), but at most
   * eight times their median: sizes not requested for longer than that are stale. The cap keeps a few rare sizes
   * (a count of sampled boxes that comes back after many steps) from stretching the window until every odd size
   * of every step stays pooled (R50-FPN: peak RSS 2.8 GB after 8 steps, 3.6 GB after 27 without it).
   * Forgets sizes not requested within HORIZON that hold no arrays.
   */
  private staleAfter(): number {
    const gaps: number[] = [];
    for (const [n, last] of this.lastUse) {
      if (this.takes - last <= HORIZON) gaps.push(this.longestGap.get(n) ?? 0);
      else if (!this.free.has(n)) {
        this.lastUse.delete(n);
        this.longestGap.delete(n);
      }
    }
    if (gaps.length === 0) return 0;
    gaps.sort((a, b) => a - b);
    const median = gaps[gaps.length >> 1];
    return 2 * Math.min(gaps[gaps.length - 1], 4 * median);
  }

  /** Frees room for `need` bytes by dropping the arrays of stale sizes, least recently requested first. */
  private evict(size: number, need: number): boolean {
    const window = this.staleAfter();
    const age = (n: number) => this.takes - (this.lastUse.get(n) ?? 0);
    const stale = [...this.free.keys()].filter((n) => n !== size && age(n) > window).sort((a, b) => age(b) - age(a));
    for (const n of stale) {
      if (this.bytes + need <= this.maxBytes) break;
      const list = this.free.get(n) as Float32Array[];
      while (list.length > 0 && this.bytes + need > this.maxBytes) this.bytes -= (list.pop() as Float32Array).byteLength;
      if (list.length === 0) this.free.delete(n);
    }
    return this.bytes + need <= this.maxBytes;
  }

  /**
   * Drops the arrays of sizes not requested within the staleness window (a change of shapes: the next image
   * size, evaluation after training), so that the pool holds only what the current shapes use.
   */
  private dropStale(): void {
    const window = this.staleAfter();
    for (const [n, list] of this.free) {
      if (this.takes - (this.lastUse.get(n) ?? 0) <= window) continue;
      this.bytes -= n * 4 * list.length;
      this.free.delete(n);
    }
  }

  /** Bytes held for reuse. */
  pooledBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.free.clear();
    this.lastUse.clear();
    this.longestGap.clear();
    this.bytes = 0;
  }
}
