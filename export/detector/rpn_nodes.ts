/**
 * The region proposal network as ONNX nodes (resdet's RegionProposalNetwork.forward and selectProposals at
 * test time): the shared head on every level (objectness [fh·fw·A], deltas [fh·fw·A, 4] in anchor order), per
 * level the preNmsTopNTest best anchors (TopK), decoded, clipped to the resized image, small boxes dropped, then
 * NMS within each level (NonMaxSuppression with one score row per level, the other levels' scores at -inf) and
 * the postNmsTopNTest best survivors of all levels by objectness: proposals [R, 4].
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int, ints } from '../onnx/attributes';
import { Conv2d } from '../../engine/nn/conv2d';
import type { RegionProposalNetwork } from '../../detection/modeling/rpn';
import { convNodes, convNormActNodes } from './conv_nodes';
import { anchorNodes } from './anchor_nodes';
import { clipNodes, decodeNodes, sizesOf } from './box_nodes';
import { all, atLeast, fconst, gather, iconst, reshape, rows, topK, whereTrue } from './graph_ops';
import { batchedNmsNodes } from './nms_nodes';
import type { Preprocessed } from './preprocess_nodes';

/** Objectness [n] and deltas [n, 4] of one level. */
function headNodes(g: OnnxGraph, rpn: RegionProposalNetwork, feature: string, name: string): { objectness: string; deltas: string } {
  const head = rpn.head;
  const t = head.conv instanceof Conv2d
    ? convNodes(g, head.conv, feature, `${name}.conv`, true)
    : head.conv.items.reduce((h, b, i) => convNormActNodes(g, b, h, `${name}.conv.${i}`), feature);
  const nhwc = (x: string, what: string) => g.node('Transpose', [x], { perm: ints([0, 2, 3, 1]) }, `${name}.${what}.nhwc`);
  const objectness = reshape(g, nhwc(convNodes(g, head.clsLogits, t, `${name}.cls_logits`), 'cls'), [-1], `${name}.objectness`);
  const deltas = reshape(g, nhwc(convNodes(g, head.bboxPred, t, `${name}.bbox_pred`), 'bbox'), [-1, 4], `${name}.deltas`);
  return { objectness, deltas };
}

interface Candidates {
  boxes: string;
  scores: string;
}

/** One level's candidates: top-k, decoded, clipped, small boxes dropped. */
function levelCandidates(g: OnnxGraph, rpn: RegionProposalNetwork, features: string[], l: number, img: Preprocessed): Candidates {
  const name = `rpn.level${l}`;
  const { objectness, deltas } = headNodes(g, rpn, features[l], `rpn.head.level${l}`);
  const anchors = anchorNodes(g, features[l], rpn.levels[l], rpn.cfg, { map: features[0], stride: rpn.levels[0].stride }, `rpn.anchors.level${l}`);
  const [scores, idx] = topK(g, objectness, rpn.cfg.preNmsTopNTest, `${name}.topk`);
  const decoded = decodeNodes(g, gather(g, deltas, idx, `${name}.deltas`), gather(g, anchors, idx, `${name}.anchors`), [1, 1, 1, 1], 1, `${name}.decode`);
  const boxes = clipNodes(g, decoded, img.width, img.height, 1, `${name}.clip`);
  const [w, h] = sizesOf(g, boxes, 1, `${name}.size`);
  const min = fconst(g, `${name}.min_size`, rpn.cfg.minSize);
  const keep = whereTrue(g, reshape(g, all(g, [atLeast(g, w, min, `${name}.wide`), atLeast(g, h, min, `${name}.tall`)], `${name}.big`), [-1], `${name}.big.flat`), `${name}.keep`);
  return { boxes: gather(g, boxes, keep, `${name}.boxes`), scores: gather(g, scores, keep, `${name}.scores`) };
}

/** Proposals [R, 4] in network-input pixels. */
export function rpnNodes(g: OnnxGraph, rpn: RegionProposalNetwork, features: string[], img: Preprocessed): string {
  const levels = features.map((_, l) => levelCandidates(g, rpn, features, l, img));
  const cat = (xs: string[], what: string) => (xs.length === 1 ? xs[0] : g.node('Concat', xs, { axis: int(0) }, `rpn.${what}`));
  const boxes = cat(levels.map((c) => c.boxes), 'boxes');
  const scores = cat(levels.map((c) => c.scores), 'scores');
  const levelIds = cat(levels.map((c, l) => g.node('Expand', [iconst(g, `rpn.level${l}.id`, l), rows(g, c.scores, `rpn.level${l}.count`)], {}, `rpn.level${l}.ids`)), 'level_ids');
  const keep = batchedNmsNodes(g, boxes, scores, levelIds, levels.length, rpn.cfg.nmsThresh, rpn.cfg.postNmsTopNTest, 'rpn.nms');
  return gather(g, boxes, keep, 'rpn.proposals');
}
