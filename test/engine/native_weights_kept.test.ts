/**
 * Convolution weights kept in oneDNN's layout by the native addon (engine/native/weight_ids.ts): a filter used
 * again gives the cpu backend's result on every call (first, copy made, copy used), with and without bias and
 * ReLU; a new filter whose data lands in the same pooled array as a disposed one is never served the old copy;
 * disposing a filter releases its copy. Skipped, with a note, when the addon is not built.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { nativeAddon } from '../../engine/native/addon';
import type { NativeBackend } from '../../engine/native/native_backend';
import { rand, relErr, size } from '../helpers/kernel_parity';
import { requires } from '../helpers/requirements';

const maybe = requires('native').describe;

const T = (shape: number[], seed: number) => tf.tensor(rand(size(shape), seed), shape);

/** conv (fused with bias and ReLU when `fused`) on the cpu backend, as the reference. */
async function onCpu(x: Float32Array, xs: number[], w: Float32Array, ws: number[], bias: Float32Array | null, stride: number): Promise<Float32Array> {
  await tf.setBackend('cpu');
  const y = tf.tidy(() => {
    const args = { x: tf.tensor4d(x, xs as [number, number, number, number]), filter: tf.tensor4d(w, ws as [number, number, number, number]), strides: stride, pad: 1 as const };
    return bias ? tf.fused.conv2d({ ...args, bias: tf.tensor1d(bias), activation: 'relu' }) : tf.conv2d(args.x, args.filter, stride, 1);
  });
  const v = Float32Array.from(y.dataSync());
  y.dispose();
  await tf.setBackend('native');
  return v;
}

maybe('native convolution weights kept between calls', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    await initBackend('native');
  });

  test.each([
    ['plain, stride 1', [2, 9, 9, 32], [3, 3, 32, 48], false, 1],
    ['bias + ReLU, stride 2', [1, 12, 11, 32], [3, 3, 32, 64], true, 2],
  ])('%s: every call agrees with cpu', async (_label, xs, ws, fused, stride) => {
    const x = T(xs as number[], 1) as tf.Tensor4D;
    const w = T(ws as number[], 2) as tf.Tensor4D;
    const b = T([(ws as number[])[3]], 3) as tf.Tensor1D;
    const want = await onCpu(x.dataSync() as Float32Array, xs as number[], w.dataSync() as Float32Array, ws as number[], fused ? b.dataSync() as Float32Array : null, stride as number);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) {
      const y = fused ? tf.fused.conv2d({ x, filter: w, bias: b, strides: stride as number, pad: 1, activation: 'relu' }) : tf.conv2d(x, w, stride as number, 1);
      expect(relErr(y.dataSync() as Float32Array, want)).toBeLessThan(1e-5);
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });

  test('a new filter in a disposed filter\'s pooled array gets its own copy; dispose releases the copy', async () => {
    const addon = nativeAddon()!;
    const release = addon.releaseWeights;
    const released: number[] = [];
    addon.releaseWeights = (id: number) => {
      released.push(id);
      release(id);
    };
    try {
      const be = tf.backend() as NativeBackend;
      const x = T([2, 8, 8, 32], 4) as tf.Tensor4D;
      const ws = [3, 3, 32, 32];
      const baseValues = rand(size(ws), 5);
      const base = tf.tensor(baseValues, ws);
      const arrays: unknown[] = [];
      for (const k of [2, 3, -1]) {
        const w = tf.mul(base, k) as tf.Tensor4D; // a native output: its array comes from the pool (not read here)
        arrays.push(be.f32(w));
        const want = await onCpu(x.dataSync() as Float32Array, x.shape, baseValues.map((v) => v * k), ws, null, 1);
        for (let i = 0; i < 3; i++) {
          const y = tf.conv2d(x, w, 1, 1);
          expect(relErr(y.dataSync() as Float32Array, want)).toBeLessThan(1e-5);
          y.dispose();
        }
        const n = released.length;
        w.dispose();
        expect(released.length).toBe(n + 1);
      }
      // the three filters lived in one array in turn: only the ids told them apart
      expect(arrays[1]).toBe(arrays[0]);
      expect(arrays[2]).toBe(arrays[0]);
      tf.dispose([x, base]);
    } finally {
      addon.releaseWeights = release;
    }
  });
});
