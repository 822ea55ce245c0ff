/**
 * The native backend's data-movement kernels (engine/native/kernels/data_movement.ts: Transpose, GatherV2,
 * Slice, StridedSlice, SplitV, Unpack, Concat, Pack, PadV2, Tile, ResizeNearestNeighbor and its gradient)
 * against the cpu backend, bit for bit: random shapes of rank 1-5 with odd and size-0 dimensions, negative
 * axes, float32 / int32 / bool, and gradients through composites of them (dy given, so that only data
 * movement touches the values). The addon is seen to run each of them; out-of-range gather indices fail with
 * tfjs-cpu's message; strings still go to tfjs-cpu; pooled (dirty) output arrays are fully written.
 * ResizeNearestNeighborGrad is compared with tfjs-cpu per image and with halfPixelCenters off, where tfjs-cpu
 * is right, and otherwise with the adjoint of tfjs-cpu's forward computed here.
 * Skipped, with a note, when the addon is not built or predates these kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { nativeAddon } from '../../engine/native/addon';
import { rand, size } from '../helpers/kernel_parity';
import { missing, requireWhen } from '../helpers/requirements';

const addon = nativeAddon() as unknown as Record<string, unknown> | null;
const maybe = requireWhen(missing('native') ?? (typeof addon?.copyStrided === 'function' ? null : 'the addon predates copyStrided: npm run build:native')).describe;

/** Deterministic integers in [0, n). */
function ints(count: number, n: number, seed: number): number[] {
  return Array.from(rand(count, seed), (v) => Math.min(n - 1, Math.floor(((v + 1) / 2) * n)));
}

/** A random shape of `rank` with sizes in [lo, hi], one of them 0 when `withZero`. */
function shapeOf(rank: number, seed: number, lo = 1, hi = 5, withZero = false): number[] {
  const s = ints(rank, hi - lo + 1, seed).map((v) => v + lo);
  if (withZero && rank > 0) s[ints(1, rank, seed + 7)[0]] = 0;
  return s;
}

function tensorOf(shape: number[], dtype: 'float32' | 'int32' | 'bool', seed: number): tf.Tensor {
  const v = rand(size(shape), seed);
  if (dtype === 'float32') return tf.tensor(v, shape);
  if (dtype === 'int32') return tf.tensor(Int32Array.from(v, (x) => Math.round(x * 1000)), shape, 'int32');
  return tf.tensor(Uint8Array.from(v, (x) => (x > 0 ? 1 : 0)), shape, 'bool');
}

interface Out {
  shape: number[];
  dtype: string;
  bytes: number[];
}

async function runOn(backend: 'cpu' | 'native', f: () => tf.Tensor | tf.Tensor[]): Promise<Out[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const vals = outs.map((t) => {
    const d = t.dataSync() as Float32Array | Int32Array | Uint8Array;
    return { shape: t.shape, dtype: t.dtype, bytes: Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)) };
  });
  tf.dispose(outs);
  expect(tf.memory().numTensors).toBe(before);
  return vals;
}

/** f on native and on cpu: the same shapes, dtypes and bytes. */
async function same(label: string, f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const want = await runOn('cpu', f);
  const got = await runOn('native', f);
  expect({ label, n: got.length }).toEqual({ label, n: want.length });
  got.forEach((g, i) => {
    if (g.dtype !== want[i].dtype || g.shape.join() !== want[i].shape.join()) {
      throw new Error(`${label}: output ${i} is ${g.dtype} [${g.shape}], cpu gives ${want[i].dtype} [${want[i].shape}]`);
    }
    const bad = g.bytes.findIndex((b, j) => b !== want[i].bytes[j]);
    if (bad >= 0) throw new Error(`${label}: output ${i} differs from cpu at byte ${bad}`);
  });
}

/** The gradients of f at xs for the output gradient dy (seeded): data movement only, no arithmetic. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], seed: number): tf.Tensor[] {
  const y = f(...xs);
  const dy = tensorOf(y.shape, 'float32', seed);
  return [y, ...tf.grads((...a: tf.Tensor[]) => f(...a))(xs, dy)];
}

const DTYPES = ['float32', 'int32', 'bool'] as const;

/** Counts the addon's data-movement calls while f runs. */
async function addonCalls(f: () => Promise<void>): Promise<Record<string, number>> {
  const a = addon as Record<string, (...args: unknown[]) => unknown>;
  const names = ['copyStrided', 'gather', 'resizeNearest', 'resizeNearestGrad'];
  const saved = names.map((n) => a[n]);
  const calls: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  names.forEach((n, i) => (a[n] = (...args: unknown[]) => (calls[n]++, saved[i](...args))));
  try {
    await f();
  } finally {
    names.forEach((n, i) => (a[n] = saved[i]));
  }
  return calls;
}

maybe('native data-movement kernels vs cpu', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    await initBackend('native');
  });

  test('Transpose: every rank 1-5, random permutations, size-0 and size-1 dimensions, all dtypes', async () => {
    for (let i = 0; i < 40; i++) {
      const rank = 1 + (i % 5);
      const shape = shapeOf(rank, i + 1, 1, 6, i % 7 === 3);
      const perm = Array.from(rand(rank, i + 50)).map((v, k) => [v, k]).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
      const dtype = DTYPES[i % 3];
      await same(`transpose ${dtype} [${shape}] by [${perm}]`, () => tf.transpose(tensorOf(shape, dtype, i), perm));
    }
    await same('transpose 6-d', () => tf.transpose(tensorOf([2, 3, 1, 4, 2, 3], 'float32', 1), [5, 3, 1, 0, 4, 2]));
    await same('transpose large 2-d (tiles, threads)', () => tf.transpose(tensorOf([301, 257], 'float32', 2)));
    await same('transpose [98208,4]-like', () => tf.transpose(tensorOf([9821, 4], 'float32', 3)));
    await same('transpose NHWC to NCHW', () => tf.transpose(tensorOf([37, 7, 7, 64], 'float32', 4), [0, 3, 1, 2]));
  });

  test('GatherV2: any axis (negative too), repeated and empty index lists, all dtypes; bad indices fail as on cpu', async () => {
    for (let i = 0; i < 30; i++) {
      const rank = 1 + (i % 4);
      const shape = shapeOf(rank, i + 3, 1, 6, i % 9 === 4);
      const axis = ints(1, rank, i + 9)[0] - (i % 2 ? rank : 0);
      const dim = shape[axis < 0 ? axis + rank : axis];
      const n = dim === 0 ? 0 : i % 5;
      const idx = dim === 0 ? [] : ints(n, dim, i + 11);
      const idxShape = i % 3 === 0 && n % 2 === 0 ? [2, n / 2] : [n];
      const dtype = DTYPES[i % 3];
      await same(`gather ${dtype} [${shape}] axis ${axis} [${idx}]`, () =>
        tf.gather(tensorOf(shape, dtype, i), tf.tensor(idx, idxShape, 'int32'), axis));
    }
    await same('gather rows of a large tensor', () => tf.gather(tensorOf([512, 7, 7, 8], 'float32', 5), tf.tensor1d(ints(600, 512, 6), 'int32')));
    for (const bad of [[0, 3], [-1]]) {
      const msg = async (b: 'cpu' | 'native') => {
        await tf.setBackend(b);
        try {
          tf.tidy(() => tf.gather(tf.ones([3, 2]), tf.tensor1d(bad, 'int32')));
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      };
      const want = await msg('cpu');
      expect(want).toMatch(/GatherV2: the index value/);
      expect(await msg('native')).toBe(want);
    }
  });

  test('Slice and StridedSlice: random windows, negative strides, masks, new axes; shrinking falls back', async () => {
    for (let i = 0; i < 30; i++) {
      const rank = 1 + (i % 5);
      const shape = shapeOf(rank, i + 20, 1, 6, i % 8 === 5);
      const begin = shape.map((d, k) => (d === 0 ? 0 : ints(1, d, i * 7 + k)[0]));
      const sz = shape.map((d, k) => (k % 2 === 1 && i % 3 === 0 ? -1 : ints(1, d - begin[k] + 1, i * 13 + k)[0]));
      await same(`slice ${DTYPES[i % 3]} [${shape}] at [${begin}] size [${sz}]`, () => tf.slice(tensorOf(shape, DTYPES[i % 3], i), begin, sz));
    }
    const x = () => tensorOf([4, 5, 6], 'float32', 30);
    const xi = () => tensorOf([4, 5, 6], 'int32', 31);
    await same('strided slice, steps 2 and -1', () => tf.stridedSlice(x(), [0, 4, 1], [4, 0, 6], [2, -1, 2]));
    await same('strided slice int32, -2 steps, masks', () => tf.stridedSlice(xi(), [3, 0, 5], [0, 5, 0], [-2, 1, -2], 0b101, 0b010));
    await same('strided slice, simple window', () => tf.stridedSlice(x(), [1, 1, 0], [3, 4, 6], [1, 1, 1]));
    await same('strided slice, dim 0 only', () => tf.stridedSlice(x(), [1], [3]));
    await same('strided slice, new axis', () => tf.stridedSlice(x(), [0, 0, 0], [4, 5, 6], [1, 2, 3], 0, 0, 0, 0b010));
    await same('strided slice, ellipsis', () => tf.stridedSlice(x(), [0, 1], [0, 5], [1, 2], 0, 0, 0b001));
    await same('strided slice, shrink (a Slice)', () => tf.stridedSlice(x(), [1, 0, 0], [2, 5, 6], [1, 1, 1], 0, 0, 0, 0, 0b001));
    await same('strided slice, shrink (cpu path)', () => tf.stridedSlice(x(), [0, 2, 0], [4, 3, 6], [1, 1, 2], 0, 0, 0, 0, 0b010));
    await same('strided slice, identity', () => tf.stridedSlice(x(), [0, 0, 0], [4, 5, 6]));
    await same('strided slice, empty', () => tf.stridedSlice(x(), [1, 0, 0], [1, 5, 6]));
  });

  test('SplitV, Unpack, Concat, Pack: random shapes and axes (negative too), size-0 parts, all dtypes', async () => {
    for (let i = 0; i < 30; i++) {
      const rank = 1 + (i % 5);
      const shape = shapeOf(rank, i + 40, 1, 6, i % 10 === 7);
      const ax = ints(1, rank, i + 41)[0];
      const axis = i % 2 ? ax - rank : ax;
      const dim = shape[ax];
      const first = ints(1, dim + 1, i + 42)[0];
      const sizes = i % 4 === 0 && dim > 0 ? [first, -1] : [first, 0, dim - first];
      const dtype = DTYPES[i % 3];
      await same(`split ${dtype} [${shape}] axis ${axis} [${sizes}]`, () => tf.split(tensorOf(shape, dtype, i), sizes.slice(), axis));
      await same(`unstack ${dtype} [${shape}] axis ${axis}`, () => tf.unstack(tensorOf(shape, dtype, i), axis));
      const other = shape.slice();
      other[ax] = (i % 3) + (i % 6 === 1 ? 0 : 1);
      await same(`concat ${dtype} [${shape}] + [${other}] + [${shape}] axis ${axis}`, () =>
        tf.concat([tensorOf(shape, dtype, i), tensorOf(other, dtype, i + 1), tensorOf(shape, dtype, i + 2)], axis));
      const stackAxis = i % 2 ? ints(1, rank, i + 43)[0] - rank : ints(1, rank + 1, i + 43)[0];
      await same(`stack ${dtype} 3x[${shape}] axis ${stackAxis}`, () =>
        tf.stack([tensorOf(shape, dtype, i), tensorOf(shape, dtype, i + 3), tensorOf(shape, dtype, i + 4)], stackAxis));
    }
    await same('concat of one non-empty part', () => tf.concat([tf.zeros([0, 3]), tensorOf([2, 3], 'float32', 1)], 0));
    await same('split of a large tensor into 4 columns', () => tf.split(tensorOf([4, 9821, 4], 'float32', 2), 4, 2));
    await same('concat of large parts along the last axis', () =>
      tf.concat([tensorOf([300, 40, 3], 'float32', 3), tensorOf([300, 40, 5], 'float32', 4)], -1));
  });

  test('PadV2 and Tile: random shapes, constants (0, -0, NaN, fractions on int32), zero repeats, all dtypes', async () => {
    for (let i = 0; i < 30; i++) {
      const rank = 1 + (i % 5);
      const shape = shapeOf(rank, i + 60, 1, 5, i % 9 === 2);
      const pads = shape.map((_, k) => [ints(1, 3, i * 5 + k)[0], ints(1, 3, i * 7 + k)[0]] as [number, number]);
      const dtype = DTYPES[i % 3];
      const c = [0, -0, 2.5, NaN, -7][i % 5];
      await same(`pad ${dtype} [${shape}] by ${JSON.stringify(pads)} with ${c}`, () => tf.pad(tensorOf(shape, dtype, i), pads, c));
      const reps = shape.map((_, k) => ints(1, 3, i * 11 + k)[0] + (i % 6 === 0 ? 0 : 1));
      await same(`tile ${dtype} [${shape}] by [${reps}]`, () => tf.tile(tensorOf(shape, dtype, i), reps));
    }
  });

  test('ResizeNearestNeighbor: up and down, odd sizes, alignCorners x halfPixelCenters, size-0 batch', async () => {
    const sizes: Array<[number[], [number, number]]> = [
      [[2, 3, 5, 2], [6, 10]], [[1, 7, 5, 3], [3, 2]], [[3, 4, 4, 1], [9, 7]], [[1, 1, 1, 4], [3, 5]],
      [[2, 5, 3, 8], [5, 3]], [[0, 3, 3, 2], [6, 6]], [[1, 6, 9, 5], [1, 1]], [[4, 32, 48, 16], [64, 96]],
    ];
    for (const [i, [shape, out]] of sizes.entries()) {
      for (const [align, half] of [[false, false], [true, false], [false, true]]) {
        await same(`resize [${shape}] to [${out}] align ${align} half ${half}`, () =>
          tf.image.resizeNearestNeighbor(tensorOf(shape, 'float32', i) as tf.Tensor4D, out, align, half));
      }
    }
  });

  test('ResizeNearestNeighborGrad: tfjs-cpu per image (halfPixelCenters off), else the adjoint of the forward', async () => {
    const sizes: Array<[number[], [number, number]]> = [
      [[1, 3, 5, 2], [6, 10]], [[2, 7, 5, 3], [3, 2]], [[3, 4, 4, 1], [9, 7]], [[2, 1, 1, 4], [3, 5]],
      [[2, 5, 3, 8], [5, 3]], [[1, 6, 9, 5], [1, 1]], [[2, 16, 24, 16], [32, 48]], [[1, 1, 3, 2], [4, 5]],
    ];
    const grad = (shape: number[], out: [number, number], align: boolean, half: boolean, seed: number) =>
      tf.grad((x: tf.Tensor) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, out, align, half))(
        tensorOf(shape, 'float32', seed), tensorOf([shape[0], ...out, shape[3]], 'float32', seed + 1));
    for (const [i, [shape, out]] of sizes.entries()) {
      for (const align of [false, true]) {
        // alignCorners onto a size-1 axis: tfjs-cpu's search never ends; compared with the adjoint below
        if (align && (shape[1] === 1 || shape[2] === 1)) continue;
        const want = await Promise.all(Array.from({ length: shape[0] }, (_, b) => runOn('cpu', () =>
          tf.grad((x: tf.Tensor) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, out, align, false))(
            tf.slice(tensorOf(shape, 'float32', i), [b], [1]), tf.slice(tensorOf([shape[0], ...out, shape[3]], 'float32', i + 1), [b], [1])))));
        const got = await runOn('native', () => grad(shape, out, align, false, i));
        expect(got[0].bytes).toEqual(want.flatMap((w) => w[0].bytes));
      }
      for (const [align, half] of [[false, true], [true, false], [false, false]]) {
        const [dx] = await runOn('native', () => grad(shape, out, align, half, i));
        const ref = await runOn('cpu', () => adjoint(shape, out, align, half, i));
        expect({ shape, out, align, half, bytes: dx.bytes }).toEqual({ shape, out, align, half, bytes: ref[0].bytes });
      }
    }
  });

  test('gradients through composites equal cpu (transpose, gather, slice, pad, concat, split, stack, tile, resize)', async () => {
    const idx = () => tf.tensor1d([4, 0, 2, 2, 1, 3], 'int32');
    // one image per resize: tfjs-cpu's ResizeNearestNeighborGrad is wrong for the others (see the test above)
    await same('resize(transpose(gather(x)))', () => gradsOf((x) =>
      tf.image.resizeNearestNeighbor(tf.transpose(tf.gather(x, idx(), 1), [0, 2, 1, 3]) as tf.Tensor4D, [7, 9]),
    [tensorOf([1, 5, 3, 2], 'float32', 1)], 2));
    await same('concat(slice(a), pad(b), transpose(c))', () => gradsOf((a, b, c) =>
      tf.concat([tf.slice(a, [1, 0, 1], [2, 3, 2]), tf.pad(b, [[0, 1], [1, 0], [0, 0]]), tf.transpose(c, [1, 0, 2])], -1),
    [tensorOf([4, 3, 5], 'float32', 3), tensorOf([1, 2, 3], 'float32', 4), tensorOf([3, 2, 4], 'float32', 5)], 6));
    await same('stack(unstack(x)) reversed, gather on axis -1', () => gradsOf((x) =>
      tf.gather(tf.stack(tf.unstack(x, 1).reverse(), 2), tf.tensor1d([2, 0], 'int32'), -1),
    [tensorOf([3, 4, 5], 'float32', 7)], 8));
    await same('split and tile', () => gradsOf((x) => {
      const [p, q] = tf.split(x, [1, 2], 1);
      return tf.concat([tf.tile(p, [1, 2, 2]), tf.transpose(q, [0, 1, 2])], 2);
    }, [tensorOf([2, 3, 4], 'float32', 9)], 10));
    await same('FPN-like top-down path and RoI-head flatten', () => gradsOf((c4, c5) => {
      const top = tf.add(c4, tf.image.resizeNearestNeighbor(c5 as tf.Tensor4D, [6, 8]));
      return tf.reshape(tf.transpose(tf.gather(tf.reshape(top, [6, 8, 3]), tf.tensor1d([1, 0, 1, 5], 'int32')), [0, 2, 1]), [4, -1]);
    }, [tensorOf([1, 6, 8, 3], 'float32', 11), tensorOf([1, 3, 4, 3], 'float32', 12)], 13));
  });

  test('copies of a million elements and more (the threaded paths) against index arithmetic', async () => {
    await tf.setBackend('native');
    tf.tidy(() => {
      const x = tensorOf([1100, 1000], 'float32', 1);
      const xv = x.dataSync();
      const t = tf.transpose(x).dataSync(); // tiles over the threads
      for (let k = 0; k < 5000; k++) {
        const [i, j] = [(k * 7919) % 1100, (k * 104729) % 1000];
        if (t[j * 1100 + i] !== xv[i * 1000 + j]) throw new Error(`transpose: element (${i}, ${j})`);
      }
      expect(Buffer.from(tf.transpose(tf.transpose(x)).dataSync().buffer).equals(Buffer.from(xv.buffer))).toBe(true);
      const y = tensorOf([1, 300000, 4], 'int32', 2);
      const yv = y.dataSync();
      const parts = tf.split(y, 4, 2).map((p) => p.dataSync()); // one strided row in chunks over the threads
      for (let k = 0; k < 4; k++) {
        for (let i = 0; i < 300000; i += 7) if (parts[k][i] !== yv[4 * i + k]) throw new Error(`split: part ${k} element ${i}`);
      }
      const idx = ints(2100, 2048, 3);
      const g = tf.gather(x.reshape([2200, 500]), tf.tensor1d(idx, 'int32')).dataSync();
      for (let r = 0; r < 2100; r += 3) {
        for (const c of [0, 17, 499]) if (g[r * 500 + c] !== xv[idx[r] * 500 + c]) throw new Error(`gather: row ${r}`);
      }
    });
  });

  test('the addon runs them; strings go to cpu; dirty pooled outputs are fully written', async () => {
    const calls = await addonCalls(async () => {
      await same('transpose', () => tf.transpose(tensorOf([3, 4], 'float32', 1)));
      await same('gather', () => tf.gather(tensorOf([3, 4], 'float32', 1), tf.tensor1d([2, 0], 'int32')));
      await same('resize', () => tf.image.resizeNearestNeighbor(tensorOf([1, 2, 2, 1], 'float32', 1) as tf.Tensor4D, [3, 3]));
      await same('resize grad', () => tf.grad((x: tf.Tensor) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [3, 3]))(
        tensorOf([1, 2, 2, 1], 'float32', 1), tensorOf([1, 3, 3, 1], 'float32', 2)));
    });
    expect(calls.copyStrided).toBeGreaterThan(0);
    expect(calls.gather).toBeGreaterThan(0);
    expect(calls.resizeNearest).toBeGreaterThan(0);
    expect(calls.resizeNearestGrad).toBeGreaterThan(0);
    for (const b of ['cpu', 'native']) {
      await tf.setBackend(b);
      tf.tidy(() => {
        const s = tf.tensor([['a', 'bc'], ['d', 'e']]);
        expect(tf.slice(s, [0, 1], [2, 1]).arraySync()).toEqual([['bc'], ['e']]);
        expect(tf.concat([s, s], 1).slice([1, 1], [1, 2]).arraySync()).toEqual([['e', 'd']]);
      });
    }
    // float32 outputs of 4096+ elements come from the pool: a disposed (unread) native output of that size is dirty
    const dirty = (f: () => tf.Tensor) => () => {
      tf.dispose(tf.add(tf.fill([8, 32, 40], 12345), 1));
      return f();
    };
    await same('pad into a dirty array', dirty(() => tf.pad(tensorOf([6, 30, 40], 'float32', 3), [[1, 1], [1, 1], [0, 0]])));
    await same('pad with 0 into a dirty array', dirty(() => tf.pad(tensorOf([8, 32, 38], 'float32', 4), [[0, 0], [0, 0], [2, 0]], 0)));
    await same('concat into a dirty array', dirty(() => tf.concat([tensorOf([8, 32, 15], 'float32', 5), tensorOf([8, 32, 25], 'float32', 6)], 2)));
  });
});

/** The adjoint of tfjs-cpu's forward resize: each dy pixel, in order, added (in double) to its source pixel. */
function adjoint(shape: number[], out: [number, number], align: boolean, half: boolean, seed: number): tf.Tensor {
  const [B, H, W, C] = shape;
  const [oh, ow] = out;
  // tfjs-cpu's forward on an image of pixel numbers gives each output pixel's source
  const ids = tf.tensor4d(Float32Array.from({ length: H * W }, (_, k) => k), [1, H, W, 1]);
  const src = tf.image.resizeNearestNeighbor(ids, out, align, half).dataSync();
  const dy = tensorOf([B, oh, ow, C], 'float32', seed + 1).dataSync();
  const acc = new Float64Array(B * H * W * C);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < oh * ow; p++) {
      for (let c = 0; c < C; c++) acc[(b * H * W + src[p]) * C + c] += dy[(b * oh * ow + p) * C + c];
    }
  }
  return tf.tensor4d(Float32Array.from(acc), [B, H, W, C]);
}
