/**
 * ONNX Runtime for Node (onnxruntime-node, CPU), loaded when first needed: commands that never run ONNX do not
 * load its library. A session logs errors only (its warnings about folded initializers are noise here) and takes
 * RESDET_THREADS threads when that is set (else ONNX Runtime's own default, the physical cores).
 */
import type * as Ort from 'onnxruntime-node';

/** ONNX Runtime cannot be loaded or cannot load a model: said in one line, exit code 2. */
export class OnnxRuntimeError extends Error {}

let ort: typeof Ort | null = null;

export function onnxruntime(): typeof Ort {
  if (!ort) {
    try {
      ort = require('onnxruntime-node') as typeof Ort;
    } catch (e) {
      throw new OnnxRuntimeError(`onnxruntime-node cannot be loaded (${(e as Error).message.split('\n')[0]}); reinstall it with npm ci`);
    }
  }
  return ort;
}

function sessionOptions(): Ort.InferenceSession.SessionOptions {
  const threads = Number(process.env.RESDET_THREADS);
  return {
    logSeverityLevel: 3,
    graphOptimizationLevel: 'all',
    ...(Number.isInteger(threads) && threads > 0 ? { intraOpNumThreads: threads } : {}),
  };
}

/** A session on an ONNX model's bytes; `source` names the model in errors. */
export async function createSession(bytes: Uint8Array, source: string): Promise<Ort.InferenceSession> {
  try {
    return await onnxruntime().InferenceSession.create(bytes, sessionOptions());
  } catch (e) {
    if (e instanceof OnnxRuntimeError) throw e;
    throw new OnnxRuntimeError(`${source}: ONNX Runtime cannot load the model: ${(e as Error).message.split('\n')[0]}`);
  }
}
