/**
 * NMS within groups (levels of the RPN, classes of the detections) as resdet's batchedNmsArrays: boxes of
 * different groups never suppress each other, a box is dropped when its IoU with a kept box of its group is
 * above the threshold, at most `maxKeep` per group and overall, by descending score. ONNX's
 * NonMaxSuppression shares one box list between its classes; each group gets a score row in which the other
 * groups' boxes score -inf (below the score threshold), so every box competes in its own group only.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { fvec, gather, ivec, reshape, slice, topK, unsqueeze } from './graph_ops';

/** Kept indices into boxes [T, 4] / scores [T] (int64 group ids [T] in 0…numGroups-1), by descending score. */
export function batchedNmsNodes(g: OnnxGraph, boxes: string, scores: string, groupIds: string, numGroups: number, iouThreshold: number, maxKeep: number, name: string): string {
  const groups = g.int64Initializer(`${name}.groups`, [numGroups, 1], Array.from({ length: numGroups }, (_, k) => k));
  const mask = g.node('Equal', [unsqueeze(g, groupIds, [0], `${name}.ids`), groups], {}, `${name}.mask`);
  const perGroup = g.node('Where', [mask, unsqueeze(g, scores, [0], `${name}.row`), g.floatInitializer(`${name}.none`, [], [-Infinity])], {}, `${name}.scores`);
  const selected = g.node('NonMaxSuppression', [
    unsqueeze(g, boxes, [0], `${name}.boxes`),
    unsqueeze(g, perGroup, [0], `${name}.batch`),
    ivec(g, `${name}.max_per_group`, [maxKeep]),
    fvec(g, `${name}.iou`, [iouThreshold]),
    fvec(g, `${name}.score_floor`, [-3e38]),
  ], {}, name);
  const kept = reshape(g, slice(g, selected, 1, 2, 3, `${name}.box_column`), [-1], `${name}.kept`);
  const [, order] = topK(g, gather(g, scores, kept, `${name}.kept_scores`), maxKeep, `${name}.order`);
  return gather(g, kept, order, `${name}.keep`);
}
