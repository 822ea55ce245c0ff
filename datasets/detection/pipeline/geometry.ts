/**
 * The geometry of the detection transforms, kept apart from the pixels so that it can be tested exactly:
 * the resize rule, boxes through resize and flip, and predictions back to original pixels.
 *
 * Resize rule (Faster R-CNN / Detectron2 ResizeShortestEdge): s = S / min(h, w), lowered to M / max(h, w) when
 * the longer side would exceed M; the output is round(w·s) x round(h·s). The per-axis factors actually applied
 * are kept, scaleX = newW / w and scaleY = newH / h (they differ slightly because of the rounding), and the
 * image is resized with exactly those factors, so x_resized = x · scaleX holds for boxes and pixels alike.
 * A horizontal flip maps x to newW - x (continuous coordinates: x1' = W - x2, x2' = W - x1).
 */

export interface ResizeGeometry {
  width: number;
  height: number;
  scaleX: number;
  scaleY: number;
}

export function resizedSize(width: number, height: number, shortSide: number, maxSize: number): ResizeGeometry {
  if (!(width > 0 && height > 0)) throw new Error(`resizedSize: bad image size ${width}x${height}`);
  let s = shortSide / Math.min(width, height);
  if (Math.max(width, height) * s > maxSize) s = maxSize / Math.max(width, height);
  const w = Math.max(1, Math.round(width * s));
  const h = Math.max(1, Math.round(height * s));
  return { width: w, height: h, scaleX: w / width, scaleY: h / height };
}

/**
 * torchvision's GeneralizedRCNNTransform rule: s = min(S / min(h, w), M / max(h, w)) computed in float32 as
 * PyTorch divides a number by a tensor (reciprocal, then product: `Tensor.__rdiv__`), and
 * F.interpolate(scale_factor=s, recompute_scale_factor=True) makes the output floor(side · s) (in double) —
 * 500x375 at 800/1333 becomes 1066x799 (s = 2.1333332 in float32), where round() would give 1067x800.
 */
export function torchResizedSize(width: number, height: number, shortSide: number, maxSize: number): ResizeGeometry {
  if (!(width > 0 && height > 0)) throw new Error(`torchResizedSize: bad image size ${width}x${height}`);
  const f = Math.fround;
  const s = Math.min(f(f(1 / Math.min(width, height)) * shortSide), f(f(1 / Math.max(width, height)) * maxSize));
  const w = Math.max(1, Math.floor(width * s));
  const h = Math.max(1, Math.floor(height * s));
  return { width: w, height: h, scaleX: w / width, scaleY: h / height };
}

/** Boxes (N*4, original pixels) → resized and optionally flipped; float32 for the trainer. */
export function transformBoxes(boxes: ArrayLike<number>, g: ResizeGeometry, flip: boolean): Float32Array {
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 4) {
    const x1 = boxes[i] * g.scaleX;
    const x2 = boxes[i + 2] * g.scaleX;
    out[i] = flip ? g.width - x2 : x1;
    out[i + 1] = boxes[i + 1] * g.scaleY;
    out[i + 2] = flip ? g.width - x1 : x2;
    out[i + 3] = boxes[i + 3] * g.scaleY;
  }
  return out;
}

/**
 * Boxes predicted on the network input (N*4, in the resized, possibly flipped image) → original pixels,
 * clipped to the original image. The exact inverse of transformBoxes (up to float rounding).
 */
export function boxesToOriginal(
  boxes: ArrayLike<number>, g: ResizeGeometry, flip: boolean, original: { width: number; height: number },
): Float64Array {
  const out = new Float64Array(boxes.length);
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  for (let i = 0; i < boxes.length; i += 4) {
    const x1 = flip ? g.width - boxes[i + 2] : boxes[i];
    const x2 = flip ? g.width - boxes[i] : boxes[i + 2];
    out[i] = clip(x1 / g.scaleX, original.width);
    out[i + 1] = clip(boxes[i + 1] / g.scaleY, original.height);
    out[i + 2] = clip(x2 / g.scaleX, original.width);
    out[i + 3] = clip(boxes[i + 3] / g.scaleY, original.height);
  }
  return out;
}

/** n rounded up to a multiple of m (batches are padded to a multiple of 32, the backbone's stride). */
export function padTo(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}
