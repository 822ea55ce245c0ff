/**
 * datasets/detection/pipeline/triangle.ts, the antialiasing resampler of the 'sharp' resize mode, against
 * torch.nn.functional.interpolate(bilinear, antialias=True) (test/python/antialias_reference.py — PIL's
 * BILINEAR): shrinking by several factors, unevenly per axis, and enlarging (where it is plain bilinear and
 * equals bilinear.ts); mirrored output is the mirror of the output; scale, bias and BGR are applied per channel.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { filterNormalizeInto } from '../../../datasets/detection/pipeline/triangle';
import { resizeNormalizeInto } from '../../../datasets/detection/pipeline/bilinear';
import { Rng } from '../../../engine/rng';
import { PYTHON, requires } from '../../helpers/requirements';

const SCRIPT = path.join(__dirname, '..', '..', 'python', 'antialias_reference.py');

function image(w: number, h: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  // gradients plus noise: both smooth and sharp content
  return Uint8Array.from({ length: w * h * 3 }, (_, i) => Math.min(255, Math.floor(((i / 3) % w) * (200 / w) + 55 * rng.next())));
}

function resdet(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, flip = false, f = filterNormalizeInto): Float32Array {
  const out = new Float32Array(dw * dh * 3);
  f(src, sw, sh, dw, dh, flip, out, 0, dw * 3, [1, 1, 1], [0, 0, 0], false);
  return out;
}

const CASES: Array<[number, number, number, number]> = [
  [40, 30, 32, 24], // 0.8x
  [50, 37, 21, 16], // ~0.43x, uneven
  [64, 20, 9, 17], // 7x one way, 0.85x the other
  [23, 17, 41, 30], // enlarging
  [30, 30, 30, 30], // same size
];

requires('torch').test('equals torch interpolate(bilinear, antialias=True) when shrinking and enlarging', () => {
  const images = CASES.map(([w, h], i) => image(w, h, i + 1));
  const input = JSON.stringify(CASES.map(([width, height, W, H], i) => ({ width, height, pixels: Array.from(images[i]), out: [W, H] })));
  const r = spawnSync(PYTHON, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  const want: number[][] = JSON.parse(r.stdout);
  CASES.forEach(([w, h, W, H], i) => {
    const got = resdet(images[i], w, h, W, H);
    let worst = 0;
    got.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - want[i][k]))));
    expect(worst).toBeLessThan(2e-3); // grey levels; float32 sums
  });
});

test('enlarging it is bilinear.ts; mirrored it is the mirror; scale, bias and BGR per output channel', () => {
  const src = image(23, 17, 9);
  const a = resdet(src, 23, 17, 41, 30);
  const b = resdet(src, 23, 17, 41, 30, false, resizeNormalizeInto);
  a.forEach((v, k) => expect(Math.abs(v - b[k])).toBeLessThan(1e-3));
  const small = resdet(src, 23, 17, 10, 7);
  const mirrored = resdet(src, 23, 17, 10, 7, true);
  for (let y = 0; y < 7; y++)
    for (let x = 0; x < 10; x++)
      for (let c = 0; c < 3; c++) expect(mirrored[(y * 10 + x) * 3 + c]).toBeCloseTo(small[(y * 10 + 9 - x) * 3 + c], 4);
  const out = new Float32Array(10 * 7 * 3);
  filterNormalizeInto(src, 23, 17, 10, 7, false, out, 0, 30, [0.5, 2, 3], [1, -1, 10], true);
  for (let p = 0; p < 70; p++) {
    expect(out[3 * p]).toBeCloseTo(small[3 * p + 2] * 0.5 + 1, 3); // B first, with channel 0's scale and bias
    expect(out[3 * p + 1]).toBeCloseTo(small[3 * p + 1] * 2 - 1, 3);
    expect(out[3 * p + 2]).toBeCloseTo(small[3 * p] * 3 + 10, 3);
  }
});
