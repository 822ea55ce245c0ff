/**
 * The native backend's buffer pool (engine/native/buffer_pool.ts) on its own: arrays come back and are
 * reused; a full pool makes room for the sizes in use by evicting sizes not requested lately (a change of
 * shapes must not leave every later allocation missing), and sizes no longer requested are dropped even when
 * the pool is not full; escaped arrays are never reused; a size with no free array of its own gets the start of the
 * smallest free array up to 1.25x larger, which comes back whole.
 */
import { BufferPool } from '../../engine/native/buffer_pool';

const N1 = 4096; // the smallest pooled size
const N2 = 8192;
const KB = (n: number) => n * 4;

describe('BufferPool', () => {
  test('a returned array is handed out again for the same size', () => {
    const pool = new BufferPool(KB(4 * N1));
    const a = pool.take(N1);
    pool.give(a);
    expect(pool.take(N1)).toBe(a);
    expect(pool.hits).toBe(1);
    expect(pool.misses).toBe(1);
  });

  test('escaped arrays and small arrays are never pooled', () => {
    const pool = new BufferPool(KB(4 * N1));
    const a = pool.take(N1);
    pool.escape(a);
    pool.give(a);
    const small = pool.take(100);
    pool.give(small);
    expect(pool.pooledBytes()).toBe(0);
    expect(pool.take(N1)).not.toBe(a);
  });

  test('a size with no array of its own is served by the smallest free array up to 1.25x its size, which comes back whole', () => {
    const pool = new BufferPool(KB(64 * N1));
    const big = pool.take(N1 + 1000), bigger = pool.take(N1 + 1020), huge = pool.take(2 * N1);
    [big, bigger, huge].forEach((a) => pool.give(a));
    const before = pool.pooledBytes();
    const v = pool.take(N1);
    expect(v.length).toBe(N1);
    expect(v.buffer).toBe(big.buffer); // the smallest that fits, not the 2x one
    expect(pool.hits).toBe(1);
    expect(pool.pooledBytes()).toBe(before - KB(N1 + 1000));
    pool.give(v);
    pool.give(v); // a second return of the same view changes nothing
    expect(pool.pooledBytes()).toBe(before);
    expect(pool.take(N1 + 1000)).toBe(big); // the whole array again, for its own size
    // nothing within 1.25x: a fresh array
    const w = pool.take(N1 + 1030 + N1);
    expect(w.buffer).not.toBe(huge.buffer);
    // an escaped view keeps its whole array out of the pool
    const e = pool.take(N1 + 900);
    expect(e.buffer).toBe(bigger.buffer);
    pool.escape(e);
    pool.give(e);
    expect(pool.take(N1 + 1020)).not.toBe(bigger);
  });

  /** One "step": takes `count` arrays of n elements, then gives them all back; returns them. */
  const step = (pool: BufferPool, n: number, count: number) => {
    const arrays = Array.from({ length: count }, () => pool.take(n));
    arrays.forEach((a) => pool.give(a));
    return arrays;
  };

  test('when full, a new shape evicts the arrays of a size no longer requested', () => {
    const pool = new BufferPool(KB(2 * N2)); // room for four old or two new arrays
    for (let i = 0; i < 3; i++) step(pool, N1, 4); // an old shape fills the pool
    expect(pool.pooledBytes()).toBe(KB(4 * N1));
    // the shape changes: after a step or two the old size is stale and the new arrays are pooled instead
    for (let i = 0; i < 3; i++) step(pool, N2, 2);
    expect(pool.pooledBytes()).toBe(KB(2 * N2));
    const hits = pool.hits;
    const again = step(pool, N2, 2);
    expect(pool.hits).toBe(hits + 2);
    expect(step(pool, N2, 2)).toEqual(again);
  });

  test('sizes in use are not evicted for each other when a step needs more than the pool holds', () => {
    const pool = new BufferPool(KB(N2)); // one N2 array, while each step needs an N1 and an N2 array
    const kept: Float32Array[] = [];
    for (let i = 0; i < 10; i++) {
      const a = pool.take(N1);
      const b = pool.take(N2);
      pool.give(a);
      pool.give(b);
      if (i >= 2) kept.push(a);
    }
    // steady state: the same N1 array comes back every step (a hit per step), nothing is cycled
    expect(new Set(kept).size).toBe(1);
    expect(pool.pooledBytes()).toBe(KB(N1));
  });

  test('a size requested earlier does not evict sizes requested since', () => {
    const pool = new BufferPool(KB(N2));
    const early = pool.take(N1);
    const late = pool.take(N2);
    pool.give(late);
    pool.give(early); // the pool is full of a more recent size: `early` is dropped
    expect(pool.pooledBytes()).toBe(KB(N2));
    expect(pool.take(N2)).toBe(late);
  });

  test('arrays of a size no longer requested are dropped before the pool is full', () => {
    const pool = new BufferPool(KB(1000 * N2)); // never full here
    for (let i = 0; i < 3; i++) step(pool, N1, 4);
    expect(pool.pooledBytes()).toBe(KB(4 * N1));
    // the shape changes for good: within a few sweeps (every 256 requests) the old arrays are gone
    for (let i = 0; i < 300; i++) step(pool, N2, 2);
    expect(pool.pooledBytes()).toBe(KB(2 * N2));
    // a size in use through many sweeps stays pooled: its arrays keep coming back
    const again = step(pool, N2, 2);
    expect(step(pool, N2, 2)).toEqual(again);
  });

  test('sizes requested in bursts stay pooled across steps (the staleness window is the longest recurrence)', () => {
    const pool = new BufferPool(KB(1000 * N2));
    // each step: three N1 arrays in a row, then 600 N2 requests in a row; every size's last interval is 1
    const burst = () => {
      const a = [pool.take(N1), pool.take(N1), pool.take(N1)];
      a.forEach((x) => pool.give(x));
      for (let i = 0; i < 600; i++) pool.give(pool.take(N2));
    };
    for (let i = 0; i < 3; i++) burst();
    const misses = pool.misses;
    for (let i = 0; i < 3; i++) burst();
    expect(pool.misses).toBe(misses);
  });

  test('a rare size does not keep every odd size of every step pooled', () => {
    const pool = new BufferPool(KB(100000 * N1));
    // steps of 300 requests of ten regular sizes; each step also one size of its own (never requested again),
    // and every 20th step a rare size comes back (its interval: 20 steps)
    const odd = (i: number) => N2 + 16 * (i + 1);
    for (let i = 0; i < 60; i++) {
      for (let k = 0; k < 30; k++) for (let s = 0; s < 10; s++) pool.give(pool.take(N1 + 16 * s));
      pool.give(pool.take(odd(i)));
      if (i % 20 === 0) pool.give(pool.take(3 * N2));
    }
    // only the odd sizes of the last few steps are still pooled, not those of all 60 (measured without the cap: 43)
    const free = (pool as unknown as { free: Map<number, Float32Array[]> }).free;
    const oddHeld = [...free.keys()].filter((n) => n > N2 && n !== 3 * N2).length;
    expect(oddHeld).toBeGreaterThan(0);
    expect(oddHeld).toBeLessThan(5);
    expect(free.has(N1 + 16 * 9)).toBe(true);
  });

  test('clear empties the pool', () => {
    const pool = new BufferPool(KB(4 * N1));
    pool.give(pool.take(N1));
    pool.clear();
    expect(pool.pooledBytes()).toBe(0);
  });
});
