/**
 * Pixel normalisation for the two families of pretrained weights, done through a 768-entry lookup table
 * (one per channel and byte value), writing straight into the padded batch.
 *   torchvision: RGB, (p/255 - mean) / std with ImageNet mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)
 *   msra:        BGR, p - pixel mean (102.9801, 115.9465, 122.7717) in B, G, R order, no scaling (Caffe models)
 */
export type NormalizationName = 'torchvision' | 'msra';

export interface Normalization {
  /** channel order of the output */
  order: 'rgb' | 'bgr';
  /** per output channel, on the 0..255 pixel scale */
  mean: [number, number, number];
  std: [number, number, number];
}

export const NORMALIZATIONS: Record<NormalizationName, Normalization> = {
  torchvision: { order: 'rgb', mean: [0.485 * 255, 0.456 * 255, 0.406 * 255], std: [0.229 * 255, 0.224 * 255, 0.225 * 255] },
  msra: { order: 'bgr', mean: [102.9801, 115.9465, 122.7717], std: [1, 1, 1] },
};

/** lut[c * 256 + v] = normalised value of byte v of source channel c (R, G, B), whatever the output order. */
export function normalizationLut(n: Normalization): Float32Array {
  const lut = new Float32Array(768);
  for (let c = 0; c < 3; c++) {
    const oc = n.order === 'bgr' ? 2 - c : c;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v - n.mean[oc]) / n.std[oc];
  }
  return lut;
}

/**
 * Writes an RGB uint8 image (w x h, 3 channels) normalised into out, starting at `offset`, with `rowStride`
 * floats per output row (the padded width times 3). BGR order swaps channels on the way.
 */
export function writeNormalized(
  src: Uint8Array, w: number, h: number, out: Float32Array, offset: number, rowStride: number, lut: Float32Array, bgr: boolean,
): void {
  const r = bgr ? 2 : 0;
  const b = bgr ? 0 : 2;
  const row = 3 * w;
  for (let y = 0; y < h; y++) {
    let s = y * row;
    let o = offset + y * rowStride;
    const end = s + row;
    while (s < end) {
      out[o + r] = lut[src[s]];
      out[o + 1] = lut[256 + src[s + 1]];
      out[o + b] = lut[512 + src[s + 2]];
      s += 3;
      o += 3;
    }
  }
}
