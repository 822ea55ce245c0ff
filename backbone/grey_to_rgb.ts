/**
 * A first convolution trained on one-channel (grey) images, made to take RGB: the filter is repeated over the
 * three input channels and divided by 3, so on a grey RGB image (R = G = B) it gives exactly the response the
 * grey-trained filter gave, and on a colour image it responds to the channel mean. This is the usual way to
 * move weights across a channel mismatch (in reverse, how ImageNet stems are put on grey inputs).
 */
import { PlainTensor } from '../engine/torch_layout';

/** OIHW filter [O, 1, kh, kw] → [O, 3, kh, kw], each channel the grey filter / 3. */
export function greyFilterToRgb(t: PlainTensor): PlainTensor {
  const [o, i, kh, kw] = t.shape;
  if (t.shape.length !== 4 || i !== 1) throw new Error(`greyFilterToRgb: expected an OIHW filter with 1 input channel, got [${t.shape}]`);
  const k = kh * kw;
  const data = new Float32Array(o * 3 * k);
  for (let a = 0; a < o; a++) {
    for (let c = 0; c < 3; c++) for (let j = 0; j < k; j++) data[(a * 3 + c) * k + j] = t.data[a * k + j] / 3;
  }
  return { shape: [o, 3, kh, kw], data };
}
