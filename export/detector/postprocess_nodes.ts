/**
 * Detections from the box head's outputs as resdet's RoiHeads.detect: softmax, every (RoI, class ≥ 1) pair
 * with its class-specific box decoded against the RoI and clipped to the resized image, pairs scoring above
 * scoreThresh with sides of at least 0.01 kept, NMS per class, the detectionsPerImage best by score; then
 * the boxes back to input pixels (÷ the resize factors, clipped to the input image).
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { int } from '../onnx/attributes';
import type { RoiHeadsConfig } from '../../detection/modeling/roi_heads';
import { all, atLeast, fconst, gather, reshape, rows, slice, unsqueeze, whereTrue } from './graph_ops';
import { clipNodes, columns, decodeNodes, sizesOf } from './box_nodes';
import { batchedNmsNodes } from './nms_nodes';
import type { Preprocessed } from './preprocess_nodes';

export interface DetectionValues {
  boxes: string;
  labels: string;
  scores: string;
}

/** Candidate (RoI, class) pairs, flattened RoI-major: boxes [R·K, 4], scores [R·K], labels int64 [R·K]. */
function candidates(g: OnnxGraph, logits: string, deltas: string, rois: string, K: number, weights: number[], img: Preprocessed): DetectionValues {
  const probs = slice(g, g.node('Softmax', [logits], { axis: int(1) }, 'detect.softmax'), 1, 1, K + 1, 'detect.probs');
  const classDeltas = slice(g, reshape(g, deltas, [-1, K + 1, 4], 'detect.deltas.per_class'), 1, 1, K + 1, 'detect.deltas');
  const decoded = decodeNodes(g, classDeltas, unsqueeze(g, rois, [1], 'detect.rois'), weights, 2, 'detect.decode');
  const boxes = reshape(g, clipNodes(g, decoded, img.width, img.height, 2, 'detect.clip'), [-1, 4], 'detect.boxes.all');
  const shape = g.node('Concat', [rows(g, rois, 'detect.count'), g.int64Initializer('detect.classes', [1], [K])], { axis: int(0) }, 'detect.grid');
  const classIds = g.int64Initializer('detect.class_ids', [1, K], Array.from({ length: K }, (_, k) => k));
  const labels = reshape(g, g.node('Expand', [classIds, shape], {}, 'detect.labels.grid'), [-1], 'detect.labels.all');
  return { boxes, scores: reshape(g, probs, [-1], 'detect.scores.all'), labels };
}

/** Network-input boxes [N, 4] → input-image pixels. */
function toInputPixels(g: OnnxGraph, boxes: string, img: Preprocessed): string {
  const [x1, y1, x2, y2] = columns(g, boxes, 1, 'output.net');
  const scaled = [x1, y1, x2, y2].map((c, j) => g.node('Div', [c, j % 2 === 0 ? img.scaleX : img.scaleY], {}, `output.unscale${j}`));
  return clipNodes(g, g.node('Concat', scaled, { axis: int(1) }, 'output.unscaled'), img.inputWidth, img.inputHeight, 1, 'output.clip');
}

export function postprocessNodes(g: OnnxGraph, logits: string, deltas: string, rois: string, K: number, cfg: RoiHeadsConfig, img: Preprocessed): DetectionValues {
  const c = candidates(g, logits, deltas, rois, K, cfg.bboxRegWeights, img);
  const [w, h] = sizesOf(g, c.boxes, 1, 'detect.size');
  const small = fconst(g, 'detect.min_size', 1e-2);
  const scored = g.node('Greater', [c.scores, fconst(g, 'detect.score_thresh', cfg.scoreThresh)], {}, 'detect.scored');
  const sized = reshape(g, all(g, [atLeast(g, w, small, 'detect.wide'), atLeast(g, h, small, 'detect.tall')], 'detect.sized.col'), [-1], 'detect.sized');
  const keep = whereTrue(g, all(g, [scored, sized], 'detect.kept.mask'), 'detect.kept');
  const pick = (x: string, what: string) => gather(g, x, keep, `detect.${what}`);
  const [boxes, scores, labels] = [pick(c.boxes, 'boxes'), pick(c.scores, 'scores'), pick(c.labels, 'labels')];
  const final = batchedNmsNodes(g, boxes, scores, labels, K, cfg.nmsThresh, cfg.detectionsPerImage, 'detect.nms');
  return {
    boxes: g.node('Identity', [toInputPixels(g, gather(g, boxes, final, 'output.net_boxes'), img)], {}, 'output.boxes', 'boxes'),
    labels: g.node('Gather', [labels, final], { axis: int(0) }, 'output.labels', 'labels'),
    scores: g.node('Gather', [scores, final], { axis: int(0) }, 'output.scores', 'scores'),
  };
}

