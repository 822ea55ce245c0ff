/** Named random streams (Rng.stream): reproducible, and independent of each other for every seed, 0 included. */
import { Rng } from '../../engine/rng';

const draws = (r: Rng, n = 64) => Array.from({ length: n }, () => r.nextU32());

describe('Rng.stream', () => {
  test('the same seed, name and indices give the same draws', () => {
    expect(draws(Rng.stream(3, 'batch-order', 2))).toEqual(draws(Rng.stream(3, 'batch-order', 2)));
    expect(Rng.stream(0, 'augment', 0, 5).state()).toEqual(Rng.stream(0, 'augment', 0, 5).state());
  });

  test('streams of other names, indices or seeds share no draws, at seed 0 too', () => {
    const streams = [
      Rng.stream(0, 'batch-order', 0), Rng.stream(0, 'augment', 0), Rng.stream(0, 'sampling', 0),
      Rng.stream(0, 'batch-order', 1), Rng.stream(0, 'augment', 1), Rng.stream(1, 'batch-order', 0),
      Rng.stream(0, 'augment', 1, 0), Rng.stream(0, 'augment', 0, 1),
    ].map((r) => draws(r));
    const seen = new Set<number>();
    for (const s of streams) for (const v of s) seen.add(v);
    // 512 draws of 32 bits: a repeated value (let alone a shared stream) would be a 1 in 10^4 accident
    expect(seen.size).toBe(streams.length * 64);
  });

  test('the old derivations collided at seed 0; named streams do not', () => {
    // what the detector trainer did: batch order new Rng(seed * 1_000_003 + epoch), flips new Rng(seed * 7919 + epoch)
    expect(draws(new Rng(0 * 1_000_003 + 4))).toEqual(draws(new Rng(0 * 7919 + 4)));
    expect(draws(Rng.stream(0, 'batch-order', 4))).not.toEqual(draws(Rng.stream(0, 'augment', 4)));
  });

  test('uniform enough: the mean of 10000 draws is near 1/2, every bucket of 10 is used', () => {
    const r = Rng.stream(7, 'augment', 12);
    const xs = Array.from({ length: 10000 }, () => r.next());
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
    const buckets = new Array(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(900);
  });

  test('non-integer seeds or indices are refused', () => {
    expect(() => Rng.stream(0.5, 'x')).toThrow(/integers/);
    expect(() => Rng.stream(0, 'x', NaN)).toThrow(/integers/);
  });
});
