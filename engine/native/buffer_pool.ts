/**
 * Reuse of large Float32Array outputs: allocating (and zeroing) a fresh multi-megabyte array per kernel
 * costs as much as a native element-wise kernel. Arrays the pool handed out come back when their tensor's
 * data is disposed — unless they escaped: read by `dataSync` / `data` / `arraySync` (the backend's
 * readSync returns its own array) or shared with another tensor (a view such as Slice's subarray, or the
 * same array written under another data id). Escaped arrays are never reused.
 */
const MIN_POOLED = 4096; // elements; smaller arrays are cheap to allocate
const MAX_POOL_BYTES = 512 * 1024 * 1024;

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<ArrayBuffer>();
  private readonly escaped = new WeakSet<ArrayBuffer>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  /** A float32 array of n elements; its contents are arbitrary when it comes from the pool. */
  take(n: number): Float32Array {
    const list = this.free.get(n);
    if (list && list.length > 0) {
      this.hits++;
      this.bytes -= n * 4;
      return list.pop() as Float32Array;
    }
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

  /** Returns an array whose tensor data was disposed. */
  give(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const buf = values.buffer as ArrayBuffer;
    if (!this.owned.has(buf) || this.escaped.has(buf)) return;
    if (values.byteOffset !== 0 || values.byteLength !== buf.byteLength) return;
    if (this.bytes + values.byteLength > MAX_POOL_BYTES) return;
    const list = this.free.get(values.length) ?? [];
    if (list.includes(values)) return;
    list.push(values);
    this.free.set(values.length, list);
    this.bytes += values.byteLength;
  }

  /** Bytes held for reuse. */
  pooledBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.free.clear();
    this.bytes = 0;
  }
}
