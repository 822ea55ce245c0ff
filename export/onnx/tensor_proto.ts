/** Initializer tensors: float32 and int64 data as ONNX TensorProtos, stored little-endian in `raw_data`. */
import { onnx } from 'onnx-proto';

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

function checkSize(name: string, dims: number[], length: number): void {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== length) throw new Error(`tensor ${name}: dims [${dims}] hold ${size} values, got ${length}`);
}

export function floatTensor(name: string, dims: number[], data: Float32Array | number[]): onnx.ITensorProto {
  checkSize(name, dims, data.length);
  const raw = Buffer.alloc(4 * data.length);
  for (let i = 0; i < data.length; i++) raw.writeFloatLE(data[i], 4 * i);
  return { name, dims, dataType: FLOAT, rawData: raw };
}

/** int64 values (shape constants, pads, slice bounds); numbers must be safe integers. */
export function int64Tensor(name: string, dims: number[], data: Array<number | bigint>): onnx.ITensorProto {
  checkSize(name, dims, data.length);
  const raw = Buffer.alloc(8 * data.length);
  data.forEach((v, i) => raw.writeBigInt64LE(BigInt(v), 8 * i));
  return { name, dims, dataType: INT64, rawData: raw };
}
