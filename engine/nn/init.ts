/**
 * Parameter initialisation as torchvision does it, from a seeded uniform source so that a run is
 * reproducible: convolutions He-normal with fan_out (kaiming_normal_, mode='fan_out', relu), linear layers
 * PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
 */
import * as tf from '@tensorflow/tfjs';

/** Returns a number in [0, 1). */
export type UniformSource = () => number;

let defaultSource: UniformSource = mulberry32(0x5eed);

/** Seeds the source used by layers created without an explicit one. */
export function seedInit(seed: number): void {
  defaultSource = mulberry32(seed >>> 0);
}

export function initSource(): UniformSource {
  return defaultSource;
}

function mulberry32(seed: number): UniformSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(shape: number[], std: number, rand: UniformSource = defaultSource): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rand();
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return tf.tensor(out, shape);
}

export function uniform(shape: number[], bound: number, rand: UniformSource = defaultSource): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rand() - 1) * bound;
  return tf.tensor(out, shape);
}

/** kaiming_normal_(mode='fan_out', nonlinearity='relu') for an HWIO filter. */
export function heNormalFanOut(hwio: [number, number, number, number], rand?: UniformSource): tf.Tensor {
  const [kh, kw, , cout] = hwio;
  return normal(hwio, Math.sqrt(2 / (kh * kw * cout)), rand);
}
