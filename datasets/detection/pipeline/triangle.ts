/**
 * Resizing an RGB image with a triangle filter stretched by the shrink factor (antialiased bilinear, as PIL's
 * BILINEAR and libvips's 'linear' kernel), mirrored if asked, normalised and written into the padded float batch.
 * Used for the 'sharp' resize mode whenever an image does not grow on both axes (bilinear.ts enlarges): output
 * pixel o samples the source around c = (o + 0.5)·src/dst with weights max(0, 1 − |j + 0.5 − c| / max(1, src/dst))
 * over the source pixel centres j + 0.5, normalised to sum 1 — exactly what the exported ONNX graph computes
 * (export/detector/preprocess_nodes.ts), so resdet and its exports see the same pixels. Done in floats from the
 * decoded bytes: rows first (each output row a weighted sum of source rows), then columns.
 */

interface FilterTaps {
  /** first source index of each output position */
  first: Int32Array;
  /** number of taps of each output position */
  count: Int32Array;
  /** maxTaps weights per output position */
  weights: Float32Array;
  maxTaps: number;
}

/** Triangle-filter taps for `dst` output positions along an axis of `src` pixels (mirrored: right to left). */
export function filterTaps(src: number, dst: number, mirror: boolean): FilterTaps {
  const ratio = src / dst;
  const half = Math.max(1, ratio);
  const maxTaps = Math.ceil(2 * half) + 1;
  const t = { first: new Int32Array(dst), count: new Int32Array(dst), weights: new Float32Array(dst * maxTaps), maxTaps };
  for (let o = 0; o < dst; o++) {
    const c = ((mirror ? dst - 1 - o : o) + 0.5) * ratio;
    const lo = Math.max(0, Math.floor(c - half - 0.5));
    const hi = Math.min(src - 1, Math.ceil(c + half - 0.5));
    let sum = 0;
    let n = 0;
    let first = -1;
    for (let j = lo; j <= hi; j++) {
      const w = 1 - Math.abs(j + 0.5 - c) / half;
      if (w <= 0) continue;
      if (first < 0) first = j;
      t.weights[o * maxTaps + (j - first)] = w;
      sum += w;
      n = j - first + 1;
    }
    for (let k = 0; k < n; k++) t.weights[o * maxTaps + k] /= sum;
    t.first[o] = first;
    t.count[o] = n;
  }
  return t;
}

/**
 * Writes src (sw x sh RGB uint8) resized to dw x dh into out at `offset` with `rowStride` floats per row:
 * value = pixel · scale[c] + bias[c] per output channel c (in output order); `bgr` swaps R and B on the way.
 */
export function filterNormalizeInto(
  src: Uint8Array, sw: number, sh: number, dw: number, dh: number, flip: boolean,
  out: Float32Array, offset: number, rowStride: number, scale: ArrayLike<number>, bias: ArrayLike<number>, bgr: boolean,
): void {
  const ys = filterTaps(sh, dh, false);
  const xs = filterTaps(sw, dw, flip);
  const row = new Float32Array(sw * 3);
  const r = bgr ? 2 : 0;
  const b = bgr ? 0 : 2;
  for (let y = 0; y < dh; y++) {
    row.fill(0);
    for (let k = 0; k < ys.count[y]; k++) {
      const w = ys.weights[y * ys.maxTaps + k];
      const p = (ys.first[y] + k) * sw * 3;
      for (let i = 0; i < sw * 3; i++) row[i] += w * src[p + i];
    }
    const o = offset + y * rowStride;
    for (let x = 0; x < dw; x++) {
      let v0 = 0;
      let v1 = 0;
      let v2 = 0;
      for (let k = 0; k < xs.count[x]; k++) {
        const w = xs.weights[x * xs.maxTaps + k];
        const p = (xs.first[x] + k) * 3;
        v0 += w * row[p];
        v1 += w * row[p + 1];
        v2 += w * row[p + 2];
      }
      out[o + 3 * x + r] = v0 * scale[r] + bias[r];
      out[o + 3 * x + 1] = v1 * scale[1] + bias[1];
      out[o + 3 * x + b] = v2 * scale[b] + bias[b];
    }
  }
}
