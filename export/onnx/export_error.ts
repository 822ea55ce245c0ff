/**
 * What cannot be exported: an op or model the ONNX writer does not know, an opset outside what it writes or below
 * what the graph needs, a checkpoint that is no exportable model. One message naming the file or op; the CLI
 * turns it into exit code 2.
 */
export class OnnxExportError extends Error {}
