/**
 * resdet keeps tensors in TensorFlow's layouts (conv filters HWIO, linear weights [in, out]); files on disk
 * use PyTorch's (OIHW, [out, in]) so that torchvision weights load as they are and resdet's checkpoints load
 * in PyTorch. Rank-4 tensors are filters, rank-2 tensors are linear weights; others are unchanged.
 */
export interface PlainTensor {
  shape: number[];
  data: Float32Array;
}

/** OIHW → HWIO for rank 4, [out,in] → [in,out] for rank 2. */
export function fromTorchLayout(t: PlainTensor): PlainTensor {
  if (t.shape.length === 4) {
    const [o, i, h, w] = t.shape;
    const out = new Float32Array(t.data.length);
    for (let a = 0; a < o; a++)
      for (let b = 0; b < i; b++)
        for (let c = 0; c < h; c++)
          for (let d = 0; d < w; d++) out[((c * w + d) * i + b) * o + a] = t.data[((a * i + b) * h + c) * w + d];
    return { shape: [h, w, i, o], data: out };
  }
  if (t.shape.length === 2) return { shape: [t.shape[1], t.shape[0]], data: transpose2d(t.data, t.shape[0], t.shape[1]) };
  return t;
}

/** A resdet shape in PyTorch's layout: HWIO → OIHW for rank 4, [in,out] → [out,in] for rank 2. */
export function torchShape(shape: number[]): number[] {
  if (shape.length === 4) return [shape[3], shape[2], shape[0], shape[1]];
  if (shape.length === 2) return [shape[1], shape[0]];
  return shape;
}

/** HWIO → OIHW for rank 4, [in,out] → [out,in] for rank 2. */
export function toTorchLayout(t: PlainTensor): PlainTensor {
  if (t.shape.length === 4) {
    const [h, w, i, o] = t.shape;
    const out = new Float32Array(t.data.length);
    for (let c = 0; c < h; c++)
      for (let d = 0; d < w; d++)
        for (let b = 0; b < i; b++)
          for (let a = 0; a < o; a++) out[((a * i + b) * h + c) * w + d] = t.data[((c * w + d) * i + b) * o + a];
    return { shape: [o, i, h, w], data: out };
  }
  if (t.shape.length === 2) return { shape: [t.shape[1], t.shape[0]], data: transpose2d(t.data, t.shape[0], t.shape[1]) };
  return t;
}

function transpose2d(d: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(d.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = d[r * cols + c];
  return out;
}
