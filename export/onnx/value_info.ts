/**
 * Typed graph inputs and outputs: a float32 tensor whose dims are numbers (fixed) or names (dynamic: a
 * `dim_param`, e.g. 'N' for the batch).
 */
import { onnx } from 'onnx-proto';
import { FLOAT } from './tensor_proto';

export type Dim = number | string;

function dimension(d: Dim): onnx.TensorShapeProto.IDimension {
  return typeof d === 'number' ? { dimValue: d } : { dimParam: d };
}

export function floatValueInfo(name: string, dims: Dim[], docString?: string, elemType: number = FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map(dimension) } } },
    ...(docString ? { docString } : {}),
  };
}
