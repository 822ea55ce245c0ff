/**
 * Proposal selection on host arrays (torchvision's RPN filter_proposals): per level the top-k anchors by
 * objectness are decoded, then boxes are clipped to the image, small ones dropped, NMS runs within each level,
 * and the best survivors of all levels remain, by descending objectness. One level (C4) is plain NMS.
 */
import { BoxCoder } from './box_coder';
import { batchedNmsArrays, nmsArrays } from '../ops/nms';
import { clipAndFilter, takeBoxes, topK } from '../ops/host_boxes';
import { ImageSize, Proposals } from '../structures';

export interface ProposalOptions {
  /** anchors kept per level (by objectness) before decoding */
  preNmsTopN: number;
  /** proposals kept per image after NMS, over all levels */
  postNmsTopN: number;
  nmsThresh: number;
  minSize: number;
}

/**
 * Proposals of each image from host arrays: objectness logits [N*NA] and deltas [N*NA*4] over the anchors
 * [NA*4] of all levels concatenated (`perLevel[l]` anchors in level l). Per level the preNmsTopN best anchors
 * are decoded; boxes are clipped, small ones dropped, NMS runs within each level, and the postNmsTopN best
 * survivors of all levels remain, by descending objectness.
 */
export function selectProposals(
  obj: Float32Array,
  del: Float32Array,
  anchors: Float32Array,
  perLevel: number[],
  sizes: ImageSize[],
  coder: BoxCoder,
  o: ProposalOptions,
): Proposals[] {
  const NA = anchors.length / 4;
  if (perLevel.reduce((s, n) => s + n, 0) !== NA) throw new Error(`selectProposals: perLevel [${perLevel}] does not add up to ${NA} anchors`);
  const out: Proposals[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const scores = obj.subarray(i * NA, (i + 1) * NA);
    const picked: number[] = [];
    const levelOf: number[] = [];
    let offset = 0;
    perLevel.forEach((n, l) => {
      for (const k of topK(scores.subarray(offset, offset + n), Math.min(o.preNmsTopN, n))) {
        picked.push(k + offset);
        levelOf.push(l);
      }
      offset += n;
    });
    const d = takeBoxes(del.subarray(i * NA * 4, (i + 1) * NA * 4), picked);
    const boxes = coder.decodeArrays(d, takeBoxes(anchors, picked));
    const s = Float32Array.from(picked, (k) => scores[k]);
    const kept = clipAndFilter(boxes, s, sizes[i], o.minSize);
    const keep = (
      perLevel.length === 1
        ? nmsArrays(kept.boxes, kept.scores, o.nmsThresh, o.postNmsTopN)
        : batchedNmsArrays(kept.boxes, kept.scores, Int32Array.from(kept.index, (j) => levelOf[j]), o.nmsThresh, o.postNmsTopN)
    );
    out.push({ boxes: takeBoxes(kept.boxes, keep), scores: Float32Array.from(keep, (k) => kept.scores[k]) });
  }
  return out;
}
