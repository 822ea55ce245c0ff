/**
 * A classifier exported to ONNX, run by ONNX Runtime: the same pixels as the tfjs path (backbone/classifier/
 * predict.ts), laid out NCHW as the graph takes them (it normalises them itself), softmax over the logits.
 */
import type * as Ort from 'onnxruntime-node';
import { ClassScore, ImageClassifier, classifierPixels, topClasses } from '../../backbone/classifier/predict';
import type { ClassifierInfo } from '../../backbone/classifier/checkpoint';
import type { RawRgb } from '../../datasets/classification/decode';
import { createSession, onnxruntime } from './onnxruntime';

/** HWC 8-bit RGB → float32 NCHW [1, 3, H, W]. */
export function nchw(img: RawRgb): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = img.data[3 * p + c];
  return out;
}

/** Softmax in float64 (subtracting the maximum). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  const max = Math.max(...Array.from(logits));
  const e = Float64Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export class OnnxClassifier implements ImageClassifier {
  private constructor(private readonly session: Ort.InferenceSession, readonly info: ClassifierInfo) {}

  /** `source` names the model in errors. */
  static async open(bytes: Uint8Array, info: ClassifierInfo, source: string): Promise<OnnxClassifier> {
    return new OnnxClassifier(await createSession(bytes, source), info);
  }

  /** Logits [N, classes] of NCHW RGB 0–255 input. */
  async logits(input: Float32Array, dims: [number, number, number, number]): Promise<Float32Array> {
    const ort = onnxruntime();
    const x = new ort.Tensor('float32', input, dims);
    const out = await this.session.run({ input: x });
    x.dispose();
    const data = (out.logits.data as Float32Array).slice();
    out.logits.dispose();
    return data;
  }

  async classify(file: string, top: number): Promise<ClassScore[]> {
    const img = await classifierPixels(file, this.info);
    const logits = await this.logits(nchw(img), [1, 3, img.height, img.width]);
    return topClasses(softmax(logits), top, this.info.classNames);
  }

  dispose(): void {
    void this.session.release();
  }
}
