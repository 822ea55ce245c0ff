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
  const counts = perLevel.map((n) => Math.min(o.preNmsTopN, n));
  const total = counts.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sizes.length; i++) {
    const scores = obj.subarray(i * NA, (i + 1) * NA);
    // typed arrays filled in loops: TypedArray.from with a mapping function costs ~100 ns an element
    const picked = new Int32Array(total);
    const levelOf = new Int32Array(total);
    let at = 0;
    let offset = 0;
    perLevel.forEach((n, l) => {
      const top = topK(scores.subarray(offset, offset + n), counts[l]);
      for (let j = 0; j < top.length; j++, at++) {
        picked[at] = top[j] + offset;
        levelOf[at] = l;
      }
      offset += n;
    });
    const d = takeBoxes(del.subarray(i * NA * 4, (i + 1) * NA * 4), picked);
    const boxes = coder.decodeArrays(d, takeBoxes(anchors, picked));
    const s = new Float32Array(total);
    for (let j = 0; j < total; j++) s[j] = scores[picked[j]];
    const kept = clipAndFilter(boxes, s, sizes[i], o.minSize);
    let keep: number[];
    if (perLevel.length === 1) keep = nmsArrays(kept.boxes, kept.scores, o.nmsThresh, o.postNmsTopN);
    else {
      const keptLevel = new Int32Array(kept.index.length);
      for (let j = 0; j < keptLevel.length; j++) keptLevel[j] = levelOf[kept.index[j]];
      keep = batchedNmsArrays(kept.boxes, kept.scores, keptLevel, o.nmsThresh, o.postNmsTopN);
    }
    const keptScores = new Float32Array(keep.length);
    for (let j = 0; j < keep.length; j++) keptScores[j] = kept.scores[keep[j]];
    out.push({ boxes: takeBoxes(kept.boxes, keep), scores: keptScores });
  }
  return out;
}
