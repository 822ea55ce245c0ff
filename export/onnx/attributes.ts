/** Node attributes as ONNX AttributeProtos, typed from the JavaScript value (integers and floats told apart by the caller). */
import { onnx } from 'onnx-proto';

const T = onnx.AttributeProto.AttributeType;

/** An attribute value: `int(3)`, `ints([1, 1])`, `float(0.5)`, `floats([…])` or a string. */
export type AttributeValue =
  | { int: number }
  | { ints: number[] }
  | { float: number }
  | { floats: number[] }
  | string;

export const int = (v: number): AttributeValue => ({ int: v });
export const ints = (v: number[]): AttributeValue => ({ ints: v });
export const float = (v: number): AttributeValue => ({ float: v });
export const floats = (v: number[]): AttributeValue => ({ floats: v });

export function attribute(name: string, v: AttributeValue): onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: T.STRING, s: Buffer.from(v, 'utf8') };
  if ('int' in v) return { name, type: T.INT, i: v.int };
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}
