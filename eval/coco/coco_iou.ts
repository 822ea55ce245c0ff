/**
 * IoU of COCO boxes [x, y, w, h] (continuous coordinates, no +1), in the arithmetic order of pycocotools'
 * bbIou so results agree to the bit. Against a crowd region the union is the detection's own area.
 */
import { DtColumns, GtColumns } from './coco_types';

/** out[d * numGt + g] = IoU of detection dts[d] with ground truth gts[g]. */
export function boxIou(dt: DtColumns, dts: Int32Array, numDt: number, gt: GtColumns, gts: Int32Array, numGt: number, out: Float64Array): void {
  for (let d = 0; d < numDt; d++) {
    const di = dts[d];
    const dx = dt.x[di], dy = dt.y[di], dw = dt.w[di], dh = dt.h[di];
    const da = dw * dh;
    for (let g = 0; g < numGt; g++) {
      const gi = gts[g];
      const gx = gt.x[gi], gy = gt.y[gi], gw = gt.w[gi], gh = gt.h[gi];
      let v = 0;
      const iw = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (iw > 0) {
        const ih = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
        if (ih > 0) {
          const inter = iw * ih;
          v = inter / (gt.crowd[gi] ? da : da + gw * gh - inter);
        }
      }
      out[d * numGt + g] = v;
    }
  }
}
