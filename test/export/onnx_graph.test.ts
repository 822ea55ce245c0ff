/**
 * The ONNX graph builder (export/onnx/): what it encodes, read back with ONNX's own schema (onnx-proto's
 * decoder): initializers as little-endian raw data (float32, int64 beyond 2^53), typed inputs and outputs with
 * fixed and dynamic dims, attributes of each type, unique names, the opset import and IR version, metadata; and
 * what it refuses: an op it does not know, an opset outside 9–17, an opset below what the graph's ops need
 * (naming each op, the opset it needs and why).
 */
import { onnx } from 'onnx-proto';
import { OnnxGraph } from '../../export/onnx/graph_builder';
import { encodeModel } from '../../export/onnx/model_proto';
import { checkOpset, irVersionFor, requiredOpset } from '../../export/onnx/opsets';
import { float, floats, int, ints } from '../../export/onnx/attributes';
import { OnnxExportError } from '../../export/onnx/export_error';

function tiny(): OnnxGraph {
  const g = new OnnxGraph('tiny');
  const x = g.input('input', ['N', 3, 'H', 'W']);
  const w = g.floatInitializer('w', [2, 3, 1, 1], [1, 2, 3, 4, 5, 6]);
  const y = g.node('Conv', [x, w], { kernel_shape: ints([1, 1]), group: int(1) }, 'conv');
  const z = g.node('Relu', [y], {}, 'conv', 'out');
  g.output(z, ['N', 2, 'H', 'W']);
  return g;
}

test('a model reads back as written: graph, initializers, dims, opset, IR version, metadata', () => {
  const bytes = encodeModel(tiny(), { opset: 13, producerVersion: '1.2.3', docString: 'a doc', metadata: { 'resdet.kind': 'test' } });
  const m = onnx.ModelProto.decode(bytes);
  expect(Number(m.irVersion)).toBe(7);
  expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
  expect([m.producerName, m.producerVersion, m.docString]).toEqual(['resdet', '1.2.3', 'a doc']);
  expect(m.metadataProps.map((p) => [p.key, p.value])).toEqual([['resdet.kind', 'test']]);
  const g = m.graph!;
  expect(g.node.map((n) => [n.opType, n.name, n.input, n.output])).toEqual([
    ['Conv', 'conv', ['input', 'w'], ['conv']],
    ['Relu', 'conv_2', ['conv'], ['out']],
  ]);
  const dims = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  expect(g.input.map((v) => [v.name, dims(v), v.type!.tensorType!.elemType])).toEqual([['input', ['N', 3, 'H', 'W'], onnx.TensorProto.DataType.FLOAT]]);
  expect(g.output.map((v) => [v.name, dims(v)])).toEqual([['out', ['N', 2, 'H', 'W']]]);
  const w = g.initializer[0];
  expect([w.name, w.dims.map(Number), w.dataType]).toEqual(['w', [2, 3, 1, 1], onnx.TensorProto.DataType.FLOAT]);
  expect(Array.from(new Float32Array(Uint8Array.from(w.rawData).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
  const attrs = Object.fromEntries(g.node[0].attribute.map((a) => [a.name, a]));
  expect(attrs.kernel_shape.ints.map(Number)).toEqual([1, 1]);
  expect(attrs.kernel_shape.type).toBe(onnx.AttributeProto.AttributeType.INTS);
  expect([attrs.group.type, Number(attrs.group.i)]).toEqual([onnx.AttributeProto.AttributeType.INT, 1]);
});

test('int64 initializers keep values beyond 2^53 (INT64_MAX as a slice end); float attributes; string attributes', () => {
  const g = new OnnxGraph('g');
  const x = g.input('x', [1, 4]);
  const ends = g.int64Initializer('ends', [2], [2n ** 63n - 1n, -1]);
  const y = g.node('Slice', [x, g.int64Initializer('starts', [1], [0]), ends], {}, 'slice', 'y');
  g.node('Pad', [y, g.int64Initializer('pads', [4], [0, 1, 0, 1])], { mode: 'constant' }, 'pad');
  g.node('Gemm', [y, y], { alpha: float(0.5), beta: floats([0.25]) }, 'gemm');
  const m = onnx.ModelProto.decode(encodeModel(g, { opset: 17, producerVersion: '0' }));
  const t = m.graph!.initializer.find((i) => i.name === 'ends')!;
  expect(t.dataType).toBe(onnx.TensorProto.DataType.INT64);
  const raw = Buffer.from(Uint8Array.from(t.rawData));
  expect([raw.readBigInt64LE(0), raw.readBigInt64LE(8)]).toEqual([2n ** 63n - 1n, -1n]);
  const pad = m.graph!.node.find((n) => n.opType === 'Pad')!;
  expect([pad.attribute[0].type, Buffer.from(pad.attribute[0].s).toString()]).toEqual([onnx.AttributeProto.AttributeType.STRING, 'constant']);
  const gemm = m.graph!.node.find((n) => n.opType === 'Gemm')!;
  expect(gemm.attribute.map((a) => [a.name, a.type, a.f, a.floats])).toEqual([
    ['alpha', onnx.AttributeProto.AttributeType.FLOAT, 0.5, []],
    ['beta', onnx.AttributeProto.AttributeType.FLOATS, 0, [0.25]],
  ]);
});

test('names are unique in the graph: a taken name gets a suffix', () => {
  const g = new OnnxGraph('g');
  expect([g.uniqueName('a'), g.uniqueName('a'), g.uniqueName('a'), g.uniqueName('b')]).toEqual(['a', 'a_2', 'a_3', 'b']);
});

test('a tensor whose data does not fill its dims is refused', () => {
  expect(() => new OnnxGraph('g').floatInitializer('w', [2, 3], [1, 2, 3])).toThrow('tensor w: dims [2,3] hold 6 values, got 3');
});

test('an op the writer does not know is refused, naming it', () => {
  const g = new OnnxGraph('g');
  expect(() => g.node('LSTM', ['a'])).toThrow(OnnxExportError);
  expect(() => g.node('LSTM', ['a'])).toThrow(/ONNX op LSTM is not supported by resdet's writer \(it writes Conv, Relu/);
});

describe('opsets', () => {
  test('IR versions: 9→4, 11→6, 13→7, 17→8', () => {
    expect([9, 10, 11, 12, 13, 14, 15, 16, 17].map(irVersionFor)).toEqual([4, 5, 6, 7, 7, 7, 8, 8, 8]);
  });
  test('the opset a graph needs is its newest op form\'s', () => {
    expect(requiredOpset(['Conv', 'Relu', 'Gemm'])).toBe(9);
    expect(requiredOpset(['Conv', 'Slice'])).toBe(10);
    expect(requiredOpset(['Slice', 'Pad', 'Conv'])).toBe(11);
  });
  test.each([[8], [18], [9.5]])('--opset %s is outside what resdet writes', (opset) => {
    expect(() => checkOpset(opset, ['Conv'])).toThrow(`--opset ${opset}: resdet writes opsets 9–17`);
  });
  test('an opset below what the graph needs names each op that needs more, with its opset and why', () => {
    expect(() => checkOpset(9, ['Conv', 'Slice', 'Pad', 'Relu'])).toThrow(
      '--opset 9 is too old for this graph, which needs opset 11: Pad (pads as an input, opset 11), Slice (starts/ends/axes/steps as inputs, opset 10)',
    );
    expect(() => checkOpset(10, ['Conv', 'Slice', 'Pad'])).toThrow('which needs opset 11: Pad (pads as an input, opset 11)');
    expect(() => checkOpset(11, ['Conv', 'Slice', 'Pad'])).not.toThrow();
  });
  test('encoding checks the opset against the graph', () => {
    const g = new OnnxGraph('g');
    g.node('Pad', [g.input('x', [1]), g.int64Initializer('p', [2], [0, 0])], {}, 'pad');
    expect(() => encodeModel(g, { opset: 10, producerVersion: '0' })).toThrow(/--opset 10 is too old for this graph, which needs opset 11: Pad/);
  });
});

test('a node with several outputs (TopK) and a form a graph needs beyond its ops (aligned RoiAlign) are encoded and checked', () => {
  const g = new OnnxGraph('g');
  const x = g.input('x', ['N']);
  const k = g.int64Initializer('k', [1], [2]);
  const [values, indices] = g.nodeOutputs('TopK', [x, k], 2, { axis: int(0) }, 'top');
  expect([values, indices]).toEqual(['top.out0', 'top.out1']);
  g.output(values, [2]);
  g.output(indices, [2], 'indices', onnx.TensorProto.DataType.INT64);
  const model = onnx.ModelProto.decode(encodeModel(g, { opset: 17, producerVersion: 't' }));
  expect(model.graph!.node[0].output).toEqual(['top.out0', 'top.out1']);
  expect(model.graph!.output[1].type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.INT64);
  g.needs('RoiAlign(half_pixel)');
  expect(() => encodeModel(g, { opset: 15, producerVersion: 't' })).toThrow(
    "--opset 15 is too old for this graph, which needs opset 16: RoiAlign(half_pixel) (coordinate_transformation_mode 'half_pixel', resdet's aligned RoIAlign, opset 16)",
  );
  expect(() => g.needs('Nothing(like_this)')).toThrow(OnnxExportError);
});
