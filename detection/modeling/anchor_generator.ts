/**
 * Anchors for one feature map, [fh*fw*A, 4] xyxy, grid y-outer, then x, then the A cell anchors.
 *
 * style 'torchvision' (default; torchvision's AnchorGenerator): cell anchors centred on 0, in float32
 *   h_ratio = sqrt(r), w_ratio = 1/h_ratio, ws = w_ratio*size, hs = h_ratio*size,
 *   anchor = round([-ws, -hs, ws, hs] / 2) (half to even), ratio-major (for r: for size:);
 *   stride = imageSize // featureSize per axis.
 * style 'py-faster-rcnn' (the paper's reference code, generate_anchors.py): base box [0, 0, 15, 15] in
 *   inclusive pixel coordinates (centre 7.5, not 0); per ratio the base area 16*16 is reshaped first with
 *   ws = round(sqrt(256/r)), hs = round(ws*r) and only then scaled by size/16, so widths carry that early
 *   rounding (ratio 0.5, size 128: [-84, -40, 99, 55] instead of torchvision's [-91, -45, 91, 45]); boxes
 *   are x_ctr -/+ 0.5*(w-1), i.e. x2 is inclusive (width = x2-x1+1). Same ratio-major order and grid order.
 *   The paper's configs use stride 16; pass `stride` to fix it instead of imageSize // featureSize.
 */
import * as tf from '@tensorflow/tfjs';

export interface AnchorOptions {
  sizes: number[];
  aspectRatios: number[];
  imageSize: [number, number];
  featureSize: [number, number];
  style?: 'torchvision' | 'py-faster-rcnn';
  /** [strideH, strideW]; default imageSize // featureSize per axis */
  stride?: [number, number];
}

const fr = Math.fround;

/** Round half to even (numpy / torch.round). */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's cell anchors, [A*4] (ratio-major). */
export function cellAnchorsTorchvision(sizes: number[], ratios: number[]): Float32Array {
  const out: number[] = [];
  for (const r of ratios) {
    const hRatio = fr(Math.sqrt(fr(r)));
    const wRatio = fr(1 / hRatio);
    for (const s of sizes) {
      const ws = fr(wRatio * fr(s));
      const hs = fr(hRatio * fr(s));
      out.push(roundEven(fr(-ws / 2)), roundEven(fr(-hs / 2)), roundEven(fr(ws / 2)), roundEven(fr(hs / 2)));
    }
  }
  return Float32Array.from(out);
}

/** py-faster-rcnn's generate_anchors(base_size=16, ratios, scales=sizes/16), [A*4] (ratio-major). */
export function cellAnchorsPyFasterRcnn(sizes: number[], ratios: number[], baseSize = 16): Float32Array {
  const out: number[] = [];
  const ctr = 0.5 * (baseSize - 1);
  for (const r of ratios) {
    const ws = roundEven(Math.sqrt((baseSize * baseSize) / r));
    const hs = roundEven(ws * r);
    for (const s of sizes) {
      const w = ws * (s / baseSize);
      const h = hs * (s / baseSize);
      out.push(ctr - 0.5 * (w - 1), ctr - 0.5 * (h - 1), ctr + 0.5 * (w - 1), ctr + 0.5 * (h - 1));
    }
  }
  return Float32Array.from(out);
}

export function generateAnchors(opts: AnchorOptions): tf.Tensor2D {
  const { sizes, aspectRatios, imageSize, featureSize } = opts;
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  if (!sizes.length || !sizes.every(positive) || !aspectRatios.length || !aspectRatios.every(positive)) {
    throw new Error(`generateAnchors: sizes and aspectRatios must be non-empty lists of positive numbers`);
  }
  if (![...imageSize, ...featureSize].every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`generateAnchors: imageSize [${imageSize}] and featureSize [${featureSize}] must be positive integers`);
  }
  const [fh, fw] = featureSize;
  const [sh, sw] = opts.stride ?? [Math.floor(imageSize[0] / fh), Math.floor(imageSize[1] / fw)];
  const cell = opts.style === 'py-faster-rcnn'
    ? cellAnchorsPyFasterRcnn(sizes, aspectRatios)
    : cellAnchorsTorchvision(sizes, aspectRatios);
  const A = cell.length / 4;
  const out = new Float32Array(fh * fw * A * 4);
  let o = 0;
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const dx = x * sw, dy = y * sh;
      for (let a = 0; a < 4 * A; a += 4) {
        out[o++] = cell[a] + dx;
        out[o++] = cell[a + 1] + dy;
        out[o++] = cell[a + 2] + dx;
        out[o++] = cell[a + 3] + dy;
      }
    }
  }
  return tf.tensor2d(out, [fh * fw * A, 4]);
}
