/**
 * Box arithmetic on [N,4] float32 tensors, (x1, y1, x2, y2) in pixels with no +1 (torchvision.ops.boxes).
 *
 * Degenerate input keeps torchvision's arithmetic, which makes it well defined: a box with x2 < x1 has a
 * negative width, so it intersects nothing (IoU ±0, or NaN when the two areas sum to 0: 0/0 as in torchvision);
 * NaN coordinates give NaN IoUs and areas. Shapes are checked: anything but [N,4] is an error.
 */
import * as tf from '@tensorflow/tfjs';
import { BOX_IOU } from '../../engine/kernels/box_iou_kernels';
import { hasKernel } from '../../engine/kernels/register';

export type BoxFormat = 'xyxy' | 'xywh' | 'cxcywh';

/** Throws unless `t` is a [N,4] tensor. */
export function checkBoxes(op: string, name: string, t: tf.Tensor): void {
  if (t.rank !== 2 || t.shape[1] !== 4) throw new Error(`${op}: ${name} must have shape [N,4], got [${t.shape}]`);
}

/** (x2-x1)*(y2-y1), [N]. */
export function area(boxes: tf.Tensor2D): tf.Tensor1D {
  checkBoxes('area', 'boxes', boxes);
  return tf.tidy(() => {
    const [x1, y1, x2, y2] = tf.unstack(boxes, 1);
    return tf.mul(tf.sub(x2, x1), tf.sub(y2, y1)) as tf.Tensor1D;
  });
}

/** IoU built from tfjs ops (differentiable; the fallback where resdet's kernel is not registered). */
export function boxIouComposite(boxes1: tf.Tensor2D, boxes2: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const a1 = tf.expandDims(area(boxes1), 1);
    const a2 = tf.expandDims(area(boxes2), 0);
    const b1 = tf.expandDims(boxes1, 1); // [N,1,4]
    const b2 = tf.expandDims(boxes2, 0); // [1,M,4]
    const lt = tf.maximum(tf.slice(b1, [0, 0, 0], [-1, -1, 2]), tf.slice(b2, [0, 0, 0], [-1, -1, 2]));
    const rb = tf.minimum(tf.slice(b1, [0, 0, 2], [-1, -1, 2]), tf.slice(b2, [0, 0, 2], [-1, -1, 2]));
    const wh = tf.relu(tf.sub(rb, lt));
    const [w, h] = tf.unstack(wh, 2);
    const inter = tf.mul(w, h);
    return tf.div(inter, tf.sub(tf.add(a1, a2), inter)) as tf.Tensor2D;
  });
}

/** Pairwise IoU [N,M] (torchvision.ops.box_iou). One resdet kernel on cpu/wasm, the composite elsewhere. */
export function boxIou(boxes1: tf.Tensor2D, boxes2: tf.Tensor2D): tf.Tensor2D {
  checkBoxes('boxIou', 'boxes1', boxes1);
  checkBoxes('boxIou', 'boxes2', boxes2);
  if (!hasKernel(BOX_IOU)) return boxIouComposite(boxes1, boxes2);
  return tf.tidy(() => {
    const b1 = tf.cast(boxes1, 'float32');
    const b2 = tf.cast(boxes2, 'float32');
    return tf.engine().runKernel(BOX_IOU, { boxes1: b1, boxes2: b2 }) as tf.Tensor2D;
  });
}

/** Clamps x to [0, width] and y to [0, height] (torchvision clip_boxes_to_image; size is [height, width]). */
export function clipBoxesToImage(boxes: tf.Tensor2D, size: [number, number]): tf.Tensor2D {
  checkBoxes('clipBoxesToImage', 'boxes', boxes);
  const [h, w] = size;
  if (!(h >= 0 && w >= 0)) throw new Error(`clipBoxesToImage: size must be [height, width] >= 0, got [${size}]`);
  return tf.tidy(() => {
    const [x1, y1, x2, y2] = tf.unstack(boxes, 1);
    const cx = (t: tf.Tensor) => tf.clipByValue(t, 0, w);
    const cy = (t: tf.Tensor) => tf.clipByValue(t, 0, h);
    return tf.stack([cx(x1), cy(y1), cx(x2), cy(y2)], 1) as tf.Tensor2D;
  });
}

/** Indices of the boxes with width >= minSize and height >= minSize (NaN boxes are removed). */
export async function removeSmallBoxes(boxes: tf.Tensor2D, minSize: number): Promise<number[]> {
  checkBoxes('removeSmallBoxes', 'boxes', boxes);
  const b = await boxes.data();
  const keep: number[] = [];
  for (let i = 0; i < boxes.shape[0]; i++) {
    if (b[4 * i + 2] - b[4 * i] >= minSize && b[4 * i + 3] - b[4 * i + 1] >= minSize) keep.push(i);
  }
  return keep;
}

/** Converts between xyxy (corners), xywh (top-left corner + size) and cxcywh (centre + size). */
export function boxConvert(boxes: tf.Tensor2D, inFmt: BoxFormat, outFmt: BoxFormat): tf.Tensor2D {
  checkBoxes('boxConvert', 'boxes', boxes);
  for (const f of [inFmt, outFmt]) {
    if (!['xyxy', 'xywh', 'cxcywh'].includes(f)) throw new Error(`boxConvert: unknown format '${f}'`);
  }
  return tf.tidy(() => {
    const [a, b, c, d] = tf.unstack(boxes, 1);
    let x1 = a, y1 = b, x2 = c, y2 = d;
    if (inFmt === 'xywh') {
      x2 = tf.add(a, c);
      y2 = tf.add(b, d);
    } else if (inFmt === 'cxcywh') {
      x1 = tf.sub(a, tf.mul(0.5, c));
      y1 = tf.sub(b, tf.mul(0.5, d));
      x2 = tf.add(a, tf.mul(0.5, c));
      y2 = tf.add(b, tf.mul(0.5, d));
    }
    if (outFmt === 'xyxy') return tf.stack([x1, y1, x2, y2], 1) as tf.Tensor2D;
    const w = tf.sub(x2, x1);
    const h = tf.sub(y2, y1);
    if (outFmt === 'xywh') return tf.stack([x1, y1, w, h], 1) as tf.Tensor2D;
    return tf.stack([tf.add(x1, tf.mul(0.5, w)), tf.add(y1, tf.mul(0.5, h)), w, h], 1) as tf.Tensor2D;
  });
}
