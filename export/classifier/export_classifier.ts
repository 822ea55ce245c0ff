/**
 * A ResNet classifier (eval mode) as an ONNX model: RGB 0–255 NCHW in (`input`, dynamic N, H, W), the
 * checkpoint's normalisation, the net with batch norm folded, `logits` out.
 */
import { OnnxGraph } from '../onnx/graph_builder';
import { encodeModel } from '../onnx/model_proto';
import { DEFAULT_OPSET } from '../onnx/opsets';
import { preprocessNodes } from './preprocess_nodes';
import { resnetNodes } from './resnet_nodes';
import { classifierDocString, classifierMetadata } from './classifier_metadata';
import { resdetVersion } from '../resdet_version';
import type { ResNet } from '../../backbone/resnet';
import type { ClassifierInfo } from '../../backbone/classifier/checkpoint';

export interface ClassifierExportOptions {
  /** opset of the default domain (default 17) */
  opset?: number;
  /** what the model was exported from (a file name), said in its doc string and metadata */
  source?: string;
}

export function classifierGraph(model: ResNet, info: ClassifierInfo): OnnxGraph {
  const g = new OnnxGraph(`resdet_${info.arch}`);
  const x = g.input('input', ['N', 3, 'H', 'W'], 'RGB 0-255, NCHW');
  const logits = resnetNodes(g, model, preprocessNodes(g, x, info), 'logits');
  g.output(logits, ['N', info.classNames.length], 'class logits (softmax: probabilities)');
  return g;
}

/** The encoded ONNX file of a classifier. */
export function exportClassifier(model: ResNet, info: ClassifierInfo, o: ClassifierExportOptions = {}): Uint8Array {
  const source = o.source ?? info.arch;
  return encodeModel(classifierGraph(model, info), {
    opset: o.opset ?? DEFAULT_OPSET,
    producerVersion: resdetVersion(),
    docString: classifierDocString(info, source),
    metadata: classifierMetadata(info, source),
  });
}
