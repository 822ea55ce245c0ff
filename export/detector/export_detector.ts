/**
 * A Faster R-CNN (eval mode) as one ONNX graph from the image to the detections: input `image` [3, H, W]
 * (RGB 0–255, dynamic H and W), the checkpoint's test transform (preprocess_nodes.ts), backbone, RPN, box head
 * and post-processing; outputs `boxes` [N, 4] in input pixels, `labels` [N] (int64), `scores` [N].
 * The FPN layout is exported; others fail with a message naming what is missing.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { encodeModel } from '../onnx/model_proto';
import { DEFAULT_OPSET } from '../onnx/opsets';
import { OnnxExportError } from '../onnx/export_error';
import { INT64 } from '../onnx/tensor_proto';
import { resdetVersion } from '../resdet_version';
import { FasterRcnnFpn } from '../../detection/modeling/faster_rcnn_fpn';
import type { DetectorModel } from '../../detection/modeling/detector_model';
import { preprocessNodes } from './preprocess_nodes';
import { fpnBackboneNodes } from './backbone_nodes';
import { rpnNodes } from './rpn_nodes';
import { fpnRoiHeadsNodes } from './roi_heads_nodes';
import { postprocessNodes } from './postprocess_nodes';
import { DetectorInfo, detectorDocString, detectorMetadata } from './detector_metadata';

export interface DetectorExportOptions {
  opset?: number;
  /** what the model was exported from (doc string, metadata) */
  source?: string;
}

export function detectorGraph(model: DetectorModel, info: DetectorInfo, opset: number): OnnxGraph {
  if (!(model instanceof FasterRcnnFpn)) throw new OnnxExportError(`detector layout '${model.cfg.type ?? 'c4'}' has no ONNX export yet (resdet exports the FPN layout)`);
  const g = new OnnxGraph(`resdet_faster_rcnn_${info.layout}`);
  const image = g.input('image', [3, 'H', 'W'], 'RGB 0-255, [3, H, W]');
  const img = preprocessNodes(g, image, info.transform);
  const features = fpnBackboneNodes(g, model.backbone, img.x);
  const rois = rpnNodes(g, model.rpn, features, img);
  const { logits, deltas } = fpnRoiHeadsNodes(g, model.roiHeads, features, rois, opset);
  const d = postprocessNodes(g, logits, deltas, rois, model.numClasses, model.roiHeads.cfg, img);
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
