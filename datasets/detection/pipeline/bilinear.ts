/**
 * Enlarging an RGB image with bilinear interpolation, mirrored if asked, normalised and written straight into
 * the padded float batch — one pass over the output instead of libvips's resize, a copy out, then a
 * normalisation pass. Used when both axes grow (the common case: VOC's 500x375 and COCO's 640x480 go to a
 * shorter side of 600 or 800); shrinking goes to triangle.ts, whose filter antialiases.
 *
 * Sampling is PIL's BILINEAR for enlargement (what torchvision's reference pipeline uses): output pixel x
 * samples the source at (x + 0.5) · sw/dw − 0.5, clamped to the edge pixels; the same vertically. That is also
 * torch.nn.functional.interpolate(mode='bilinear', align_corners=False) without antialias, in both directions,
 * so the 'torch-bilinear' resize mode (torchvision's detectors) uses this code for shrinking too.
 */

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w: Float32Array;
}

/** Source taps and weights for each of `dst` output positions along an axis of `src` pixels (stride `step`). */
export function taps(src: number, dst: number, step: number, mirror: boolean): Taps {
  const t = { i0: new Int32Array(dst), i1: new Int32Array(dst), w: new Float32Array(dst) };
  const f = src / dst;
  for (let o = 0; o < dst; o++) {
    const c = ((mirror ? dst - 1 - o : o) + 0.5) * f - 0.5;
    let a = Math.floor(c);
    let w = c - a;
    if (a < 0) {
      a = 0;
      w = 0;
    }
    if (a >= src - 1) {
      a = src - 1;
      w = 0;
    }
    t.i0[o] = a * step;
    t.i1[o] = Math.min(a + 1, src - 1) * step;
    t.w[o] = w;
  }
  return t;
}

/** Horizontal pass of one source row (uint8 at `p`) into dst (dw * 3 floats, output channel order). */
export function hrow(src: Uint8Array, p: number, xs: Taps, dw: number, dst: Float32Array, r: number, b: number): void {
  const xi0 = xs.i0;
  const xi1 = xs.i1;
  const xw = xs.w;
  for (let x = 0, o = 0; x < dw; x++, o += 3) {
    const i0 = p + xi0[x];
    const i1 = p + xi1[x];
    const w = xw[x];
    const a0 = src[i0];
    const a1 = src[i0 + 1];
    const a2 = src[i0 + 2];
    dst[o + r] = a0 + (src[i1] - a0) * w;
    dst[o + 1] = a1 + (src[i1 + 1] - a1) * w;
    dst[o + b] = a2 + (src[i1 + 2] - a2) * w;
  }
}

/**
 * Writes src (sw x sh RGB uint8) enlarged to dw x dh into out at `offset` with `rowStride` floats per row:
 * value = pixel · scale[c] + bias[c] per output channel c (in output order); `bgr` swaps R and B on the way.
 * Each source row is interpolated horizontally once (two rows are cached), then output rows blend two of them.
 */
export function resizeNormalizeInto(
  src: Uint8Array, sw: number, sh: number, dw: number, dh: number, flip: boolean,
  out: Float32Array, offset: number, rowStride: number, scale: ArrayLike<number>, bias: ArrayLike<number>, bgr: boolean,
): void {
  const xs = taps(sw, dw, 3, flip);
  const ys = taps(sh, dh, 1, false);
  const n = dw * 3;
  const r = bgr ? 2 : 0;
  const b = bgr ? 0 : 2;
  const s0 = scale[0];
  const s1 = scale[1];
  const s2 = scale[2];
  const b0 = bias[0];
  const b1 = bias[1];
  const b2 = bias[2];
  let rowA = new Float32Array(n);
  let rowB = new Float32Array(n);
  let haveA = -1;
  let haveB = -1;
  for (let y = 0; y < dh; y++) {
    const y0 = ys.i0[y];
    const y1 = ys.i1[y];
    const wy = ys.w[y];
    if (haveA !== y0) {
      if (haveB === y0) {
        const t = rowA;
        rowA = rowB;
        rowB = t;
        haveB = haveA;
        haveA = y0;
      } else {
        hrow(src, y0 * sw * 3, xs, dw, rowA, r, b);
        haveA = y0;
      }
    }
    if (haveB !== y1) {
      hrow(src, y1 * sw * 3, xs, dw, rowB, r, b);
      haveB = y1;
    }
    const o = offset + y * rowStride;
    for (let k = 0; k < n; k += 3) {
      const a0 = rowA[k];
      const a1 = rowA[k + 1];
      const a2 = rowA[k + 2];
      out[o + k] = (a0 + (rowB[k] - a0) * wy) * s0 + b0;
      out[o + k + 1] = (a1 + (rowB[k + 1] - a1) * wy) * s1 + b1;
      out[o + k + 2] = (a2 + (rowB[k + 2] - a2) * wy) * s2 + b2;
    }
  }
}
