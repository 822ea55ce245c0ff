/**
 * Box regression targets, as torchvision's detection `BoxCoder` (float32 throughout, widths x2-x1, no +1):
 *   encode: (wx*(gcx-pcx)/pw, wy*(gcy-pcy)/ph, ww*log(gw/pw), wh*log(gh/ph)), no clamping;
 *   decode: dx = code/wx, ..., dw = min(code/ww, clip), dh = min(code/wh, clip) (upper clamp only, compared
 *   as float32 log(1000/16)), centre = dx*w + cx, size = exp(dw)*w, box = centre -/+ 0.5*size.
 * Built from tfjs ops, so both directions are differentiable; `decodeArrays` is the same decode on host arrays
 * (float32 rounding at every step) for the parts that need no gradient (proposals, inference).
 */
import * as tf from '@tensorflow/tfjs';
import { checkBoxes } from '../ops/box_ops';

export const BBOX_XFORM_CLIP = Math.log(1000 / 16);

/** [x1, y1, x2, y2] columns of an [..., 4] tensor → widths, heights, centres. */
function geometry(boxes: tf.Tensor, axis: number) {
  const [x1, y1, x2, y2] = tf.unstack(boxes, axis);
  const w = tf.sub(x2, x1);
  const h = tf.sub(y2, y1);
  return { w, h, cx: tf.add(x1, tf.mul(0.5, w)), cy: tf.add(y1, tf.mul(0.5, h)) };
}

export class BoxCoder {
  constructor(
    readonly weights: [number, number, number, number],
    readonly clip = BBOX_XFORM_CLIP,
  ) {
    if (weights.length !== 4 || !weights.every((v) => Number.isFinite(v) && v !== 0)) {
      throw new Error(`BoxCoder: weights must be 4 finite non-zero numbers, got [${weights}]`);
    }
  }

  /** Targets [N,4] (dx, dy, dw, dh) that take each proposal to its reference (ground-truth) box. */
  encode(referenceBoxes: tf.Tensor2D, proposals: tf.Tensor2D): tf.Tensor2D {
    checkBoxes('BoxCoder.encode', 'referenceBoxes', referenceBoxes);
    checkBoxes('BoxCoder.encode', 'proposals', proposals);
    if (referenceBoxes.shape[0] !== proposals.shape[0]) {
      throw new Error(`BoxCoder.encode: ${referenceBoxes.shape[0]} reference boxes but ${proposals.shape[0]} proposals`);
    }
    const [wx, wy, ww, wh] = this.weights;
    return tf.tidy(() => {
      const g = geometry(referenceBoxes, 1);
      const p = geometry(proposals, 1);
      const dx = tf.div(tf.mul(wx, tf.sub(g.cx, p.cx)), p.w);
      const dy = tf.div(tf.mul(wy, tf.sub(g.cy, p.cy)), p.h);
      const dw = tf.mul(ww, tf.log(tf.div(g.w, p.w)));
      const dh = tf.mul(wh, tf.log(tf.div(g.h, p.h)));
      return tf.stack([dx, dy, dw, dh], 1) as tf.Tensor2D;
    });
  }

  /** Boxes [N,K,4] from codes [N,4K] applied to boxes [N,4] (one set of K class boxes per row). */
  decode(relCodes: tf.Tensor2D, boxes: tf.Tensor2D): tf.Tensor3D {
    checkBoxes('BoxCoder.decode', 'boxes', boxes);
    const [N, D] = relCodes.shape;
    if (relCodes.rank !== 2 || D % 4 !== 0) {
      throw new Error(`BoxCoder.decode: relCodes must have shape [N, 4*K], got [${relCodes.shape}]`);
    }
    if (N !== boxes.shape[0]) throw new Error(`BoxCoder.decode: ${N} rows of codes but ${boxes.shape[0]} boxes`);
    const [wx, wy, ww, wh] = this.weights;
    return tf.tidy(() => {
      const K = D / 4;
      const b = geometry(tf.expandDims(boxes, 1), 2); // each [N,1]
      const [cx, cy, cw, ch] = tf.unstack(tf.reshape(relCodes, [N, K, 4]), 2); // each [N,K]
      const dw = tf.minimum(tf.div(cw, ww), this.clip);
      const dh = tf.minimum(tf.div(ch, wh), this.clip);
      const pcx = tf.add(tf.mul(tf.div(cx, wx), b.w), b.cx);
      const pcy = tf.add(tf.mul(tf.div(cy, wy), b.h), b.cy);
      const hw = tf.mul(0.5, tf.mul(tf.exp(dw), b.w));
      const hh = tf.mul(0.5, tf.mul(tf.exp(dh), b.h));
      return tf.stack([tf.sub(pcx, hw), tf.sub(pcy, hh), tf.add(pcx, hw), tf.add(pcy, hh)], 2) as tf.Tensor3D;
    });
  }

  /** `decode` on host arrays: codes [N*4K], boxes [N*4] → boxes [N*K*4], rounded to float32 at every step. */
  decodeArrays(relCodes: Float32Array, boxes: Float32Array): Float32Array {
    const N = boxes.length / 4;
    if (!Number.isInteger(N) || relCodes.length % (4 * Math.max(N, 1)) !== 0) {
      throw new Error(`BoxCoder.decodeArrays: ${relCodes.length} codes do not fit ${boxes.length / 4} boxes`);
    }
    const K = N === 0 ? 0 : relCodes.length / (4 * N);
    const f = Math.fround;
    const [wx, wy, ww, wh] = this.weights.map(f);
    const clip = f(this.clip);
    const out = new Float32Array(N * K * 4);
    for (let i = 0; i < N; i++) {
      const w = f(boxes[4 * i + 2] - boxes[4 * i]);
      const h = f(boxes[4 * i + 3] - boxes[4 * i + 1]);
      const cx = f(boxes[4 * i] + f(0.5 * w));
      const cy = f(boxes[4 * i + 1] + f(0.5 * h));
      for (let k = 0; k < K; k++) {
        const o = (i * K + k) * 4;
        const dw = Math.min(f(relCodes[o + 2] / ww), clip);
        const dh = Math.min(f(relCodes[o + 3] / wh), clip);
        const pcx = f(f(f(relCodes[o] / wx) * w) + cx);
        const pcy = f(f(f(relCodes[o + 1] / wy) * h) + cy);
        const hw = f(0.5 * f(f(Math.exp(dw)) * w));
        const hh = f(0.5 * f(f(Math.exp(dh)) * h));
        out[o] = pcx - hw;
        out[o + 1] = pcy - hh;
        out[o + 2] = pcx + hw;
        out[o + 3] = pcy + hh;
      }
    }
    return out;
  }
}
