/**
 * A graph into an ONNX file: the ModelProto around it (IR version of the opset, the default domain's opset
 * import, producer, doc string, metadata), encoded by protobufjs with ONNX's own schema (the onnx-proto package).
 * The opset is checked against the graph's ops first.
 */
import { onnx } from 'onnx-proto';
import { OnnxGraph } from './graph_builder';
import { checkOpset, irVersionFor } from './opsets';

export interface ModelOptions {
  opset: number;
  producerVersion: string;
  /** what the model is and what input it expects (shown by viewers such as Netron) */
  docString?: string;
  /** key-value metadata (ModelProto.metadata_props) */
  metadata?: Record<string, string>;
}

export function modelProto(graph: OnnxGraph, o: ModelOptions): onnx.IModelProto {
  checkOpset(o.opset, graph.ops());
  return {
    irVersion: irVersionFor(o.opset),
    opsetImport: [{ domain: '', version: o.opset }],
    producerName: 'resdet',
    producerVersion: o.producerVersion,
    ...(o.docString ? { docString: o.docString } : {}),
    graph: graph.toProto(),
    metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
}

/** The encoded file. */
export function encodeModel(graph: OnnxGraph, o: ModelOptions): Uint8Array {
  return onnx.ModelProto.encode(modelProto(graph, o)).finish();
}

/** The metadata of an ONNX file (ModelProto.metadata_props), e.g. what resdet wrote there. */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
}
