/**
 * The JSON a resdet-exported ONNX file carries in its metadata under `key` (what kind of model it is, its classes
 * and preprocessing), read back; a file of another kind, or not from resdet export, is an OnnxExportError naming it.
 */
import { OnnxExportError } from './onnx/export_error';

export function modelInfoFromMetadata<T>(meta: Record<string, string>, file: string, kind: 'classifier' | 'detector', key: string): T {
  const json = meta[key];
  if (!json) {
    const other = meta['resdet.kind'];
    throw new OnnxExportError(`${file}: ${other ? `a resdet ${other} model, not a ${kind}` : `no '${key}' metadata: not a ${kind} exported by resdet export`}`);
  }
  try {
    return JSON.parse(json) as T;
  } catch (e) {
    throw new OnnxExportError(`${file}: unreadable '${key}' metadata (${(e as Error).message})`);
  }
}
