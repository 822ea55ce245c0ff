/**
 * A small raster canvas for the synthetic datasets: RGB pixels plus an owner map (which object each pixel
 * shows), so that occlusion is exact. An object is placed only if every object already there keeps at least
 * `minVisible` of its pixels in view; boxes are the tight boxes of the pixels each object finally shows
 * (continuous coordinates: pixel column i spans [i, i+1)).
 */
import { Rng } from '../../engine/rng';

export class Canvas {
  readonly pixels: Uint8Array;
  /** object index + 1 per pixel, 0 = background */
  private readonly owner: Int16Array;
  private readonly total: number[] = [];
  private readonly shown: number[] = [];
  private readonly labels: number[] = [];

  constructor(readonly width: number, readonly height: number) {
    this.pixels = new Uint8Array(width * height * 3);
    this.owner = new Int16Array(width * height);
  }

  /**
   * Paints an object if it leaves every earlier object at least minVisible visible. `cover(x, y, rgb)` writes the
   * object's colour at a pixel inside [x0, x1) x [y0, y1) into rgb and returns true, or returns false where the
   * object is absent. Returns whether placed.
   */
  place(label: number, x0: number, y0: number, x1: number, y1: number, cover: (x: number, y: number, rgb: Uint8Array) => boolean, minVisible = 0.5): boolean {
    x0 = Math.max(0, Math.floor(x0));
    y0 = Math.max(0, Math.floor(y0));
    x1 = Math.min(this.width, Math.ceil(x1));
    y1 = Math.min(this.height, Math.ceil(y1));
    const lost = new Map<number, number>();
    const area = Math.max(0, (x1 - x0) * (y1 - y0));
    const cells = new Int32Array(area);
    const colours = new Uint8Array(3 * area);
    const rgb = new Uint8Array(3);
    let count = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        if (!cover(x, y, rgb)) continue;
        const p = y * this.width + x;
        cells[count] = p;
        colours.set(rgb, 3 * count);
        count++;
        const o = this.owner[p];
        if (o) lost.set(o, (lost.get(o) ?? 0) + 1);
      }
    }
    if (count < 4) return false;
    for (const [o, n] of lost) if (this.shown[o - 1] - n < minVisible * this.total[o - 1]) return false;
    for (const [o, n] of lost) this.shown[o - 1] -= n;
    const id = this.total.length + 1;
    this.total.push(count);
    this.shown.push(count);
    this.labels.push(label);
    for (let k = 0; k < count; k++) {
      const p = cells[k];
      this.owner[p] = id;
      this.pixels[3 * p] = colours[3 * k];
      this.pixels[3 * p + 1] = colours[3 * k + 1];
      this.pixels[3 * p + 2] = colours[3 * k + 2];
    }
    return true;
  }

  /** Tight boxes of what each object shows, in placement order. */
  objects(): { box: [number, number, number, number]; label: number }[] {
    const n = this.total.length;
    const b = Array.from({ length: n }, () => [Infinity, Infinity, -Infinity, -Infinity]);
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) {
        const o = this.owner[y * this.width + x];
        if (!o) continue;
        const bb = b[o - 1];
        if (x < bb[0]) bb[0] = x;
        if (y < bb[1]) bb[1] = y;
        if (x + 1 > bb[2]) bb[2] = x + 1;
        if (y + 1 > bb[3]) bb[3] = y + 1;
      }
    }
    return b.map((bb, i) => ({ box: bb as [number, number, number, number], label: this.labels[i] }));
  }
}

/** A saturated random colour (HSV with S, V high), as RGB bytes. */
export function randomColour(rng: Rng): [number, number, number] {
  const h = rng.next() * 6;
  const s = 0.6 + 0.4 * rng.next();
  const v = 0.65 + 0.35 * rng.next();
  const i = Math.floor(h);
  const f = h - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const rgb = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6];
  return rgb.map((c) => Math.round(c * 255)) as [number, number, number];
}

/**
 * A textured background: a colour gradient, one of stripes / checks / blotches, and per-pixel noise, drawn
 * into canvas.pixels. `dark` keeps it dim (for pasted grey items).
 */
export function paintBackground(c: Canvas, rng: Rng, dark = false): void {
  const base = [0, 1, 2].map(() => (dark ? 10 + rng.int(40) : 60 + rng.int(140)));
  const grad = [0, 1, 2].map(() => (rng.next() - 0.5) * (dark ? 30 : 80));
  const kind = rng.int(3);
  const freq = 0.05 + rng.next() * 0.25;
  const angle = rng.next() * Math.PI;
  const cs = Math.cos(angle);
  const sn = Math.sin(angle);
  const amp = dark ? 12 : 20 + rng.int(30);
  const cell = 6 + rng.int(18);
  const noise = dark ? 6 : 14;
  let h = rng.nextU32() | 1; // per-pixel noise from an inline xorshift32 seeded by the image rng (cheap, deterministic)
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      let t: number;
      if (kind === 0) t = Math.sin((x * cs + y * sn) * freq);
      else if (kind === 1) t = ((Math.floor(x / cell) + Math.floor(y / cell)) & 1) * 2 - 1;
      else t = Math.sin(x * freq) * Math.cos(y * freq * 0.7);
      const o = 3 * (y * c.width + x);
      for (let k = 0; k < 3; k++) {
        h ^= h << 13;
        h ^= h >>> 17;
        h ^= h << 5;
        const v = base[k] + grad[k] * (x / c.width + y / c.height - 1) + amp * t * (k === kind ? 1 : 0.5) + noise * ((h >>> 0) / 4294967296 - 0.5) * 2;
        c.pixels[o + k] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
}

/** A per-image rng from the dataset seed, the split and the image index (image i does not depend on N). */
export function imageRng(seed: number, split: string, i: number): Rng {
  let salt = 0;
  for (const ch of split) salt = Math.imul(salt ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return new Rng((Math.imul(Math.floor(seed) >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca77) ^ salt) >>> 0);
}
