/**
 * Small deterministic PRNG (xoshiro128**, seeded through splitmix32) with a serialisable state, so a
 * training run resumed from a checkpoint draws exactly the same shuffles and augmentations.
 */

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over the UTF-16 code units of `s`, from `basis`. */
function fnv1a(s: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** One splitmix32 step of `h`: spreads FNV's weak low bits over the word. */
const mix = (h: number): number => splitmix32(h)();

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    const sm = splitmix32(Math.floor(seed));
    this.s = new Uint32Array([sm(), sm(), sm(), sm()]);
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  /** next raw 32-bit unsigned integer */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** uniform float in [0, 1) */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place; returns the same array */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** a random permutation of 0..n-1 */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** the four 32-bit state words, JSON-safe */
  state(): number[] {
    return Array.from(this.s);
  }

  /**
   * An independent named stream: `Rng.stream(seed, 'batch-order', epoch)`. The state is hashed from the seed, the
   * name and the indices together, so two streams of one seed (or one stream at two indices) never share draws,
   * as `new Rng(seed * K + i)` streams can (at seed 0 every such stream is `new Rng(i)`).
   */
  static stream(seed: number, name: string, ...indices: number[]): Rng {
    for (const v of [seed, ...indices]) {
      if (!Number.isInteger(v)) throw new Error(`Rng.stream: seed and indices must be integers, got ${v}`);
    }
    const key = `${seed}/${name}/${indices.join('/')}`;
    const state: number[] = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b].map((basis) => mix(fnv1a(key, basis)));
    if (!state.some((v) => v !== 0)) state[0] = 1;
    return Rng.fromState(state);
  }

  static fromState(state: number[]): Rng {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)) {
      throw new Error(`Rng.fromState: expected 4 uint32 words, got ${JSON.stringify(state)}`);
    }
    if (state.every((v) => v === 0)) throw new Error('Rng.fromState: all-zero state is invalid');
    const r = new Rng(0);
    r.s = new Uint32Array(state);
    return r;
  }
}
