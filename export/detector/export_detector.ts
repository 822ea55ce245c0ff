/**
 * A Faster R-CNN (eval mode) as one ONNX graph from the image to the detections: input `image` [3, H, W]
 * (RGB 0–255, dynamic H and W), the checkpoint's test transform (preprocess_nodes.ts), backbone, RPN, box head
 * and post-processing; outputs `boxes` [N, 4] in input pixels, `labels` [N] (int64), `scores` [N].
 * Both layouts: C4 (one stride-16 map, res5 in the box head) and FPN (P2…P6, the pyramid's box head).
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { encodeModel } from '../onnx/model_proto';
import { DEFAULT_OPSET } from '../onnx/opsets';
import { OnnxExportError } from '../onnx/export_error';
import { INT64 } from '../onnx/tensor_proto';
import { resdetVersion } from '../resdet_version';
import { FasterRcnnFpn } from '../../detection/modeling/faster_rcnn_fpn';
import { FasterRcnnC4 } from '../../detection/modeling/faster_rcnn';
import type { DetectorModel } from '../../detection/modeling/detector_model';
import { Preprocessed, preprocessNodes } from './preprocess_nodes';
import { fpnBackboneNodes, trunkNodes } from './backbone_nodes';
import { c4RoiHeadsNodes } from './roi_heads_c4_nodes';
import { rpnNodes } from './rpn_nodes';
import { fpnRoiHeadsNodes } from './roi_heads_nodes';
import { postprocessNodes } from './postprocess_nodes';
import { DetectorInfo, detectorDocString, detectorMetadata } from './detector_metadata';

export interface DetectorExportOptions {
  opset?: number;
  /** what the model was exported from (doc string, metadata) */
  source?: string;
}

type HeadValues = { logits: string; deltas: string; rois: string };

/** Backbone, RPN and box head of either layout on the network input. */
function layoutNodes(g: OnnxGraph, model: DetectorModel, img: Preprocessed, opset: number): HeadValues {
  if (model instanceof FasterRcnnFpn) {
    const features = fpnBackboneNodes(g, model.backbone, img.x);
    const rois = rpnNodes(g, model.rpn, features, img);
    return { rois, ...fpnRoiHeadsNodes(g, model.roiHeads, features, rois, opset) };
  }
  if (model instanceof FasterRcnnC4) {
    const [feature] = trunkNodes(g, model.backbone, img.x, 'backbone').slice(-1);
    const rois = rpnNodes(g, model.rpn, [feature], img);
    return { rois, ...c4RoiHeadsNodes(g, model.roiHeads, feature, rois, opset) };
  }
  throw new OnnxExportError(`detector ${model.constructor.name} has no ONNX export (resdet exports the C4 and FPN layouts)`);
}

export function detectorGraph(model: DetectorModel, info: DetectorInfo, opset: number): OnnxGraph {
  const g = new OnnxGraph(`resdet_faster_rcnn_${info.layout}`);
  const image = g.input('image', [3, 'H', 'W'], 'RGB 0-255, [3, H, W]');
  const img = preprocessNodes(g, image, info.transform);
  const { logits, deltas, rois } = layoutNodes(g, model, img, opset);
  const d = postprocessNodes(g, logits, deltas, rois, model.numClasses, model.cfg.roiHeads, img);
  g.output(d.boxes, ['N', 4], 'x1, y1, x2, y2 in input pixels');
  g.output(d.labels, ['N'], 'class index (metadata resdet.detector: classes)', INT64);
  g.output(d.scores, ['N'], 'score, descending');
  return g;
}

/** The encoded ONNX file of a detector. */
export function exportDetector(model: DetectorModel, info: DetectorInfo, o: DetectorExportOptions = {}): Uint8Array {
  const opset = o.opset ?? DEFAULT_OPSET;
  const source = o.source ?? info.arch;
  return encodeModel(detectorGraph(model, info, opset), {
    opset,
    producerVersion: resdetVersion(),
    docString: detectorDocString(info, source),
    metadata: detectorMetadata(info, source),
  });
}
