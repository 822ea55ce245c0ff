/**
 * A small ONNX graph builder: named values, nodes, initializers, typed inputs and outputs. Values are strings
 * (ONNX names them); every node and initializer gets a name unique in the graph, from a readable prefix
 * (`layer1.0.conv1`), so a graph viewer shows where each node comes from. The builder records which ops the
 * graph uses, so that the opset it needs can be checked (opsets.ts).
 */
import { onnx } from 'onnx-proto';
import { AttributeValue, attribute } from './attributes';
import { FLOAT, floatTensor, int64Tensor } from './tensor_proto';
import { Dim, floatValueInfo } from './value_info';
import { opForm } from './opsets';

export class OnnxGraph {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly opsUsed = new Set<string>();

  constructor(readonly name: string) {}

  /** `prefix`, or `prefix_2`, `prefix_3`… when taken. */
  uniqueName(prefix: string): string {
    let name = prefix;
    for (let i = 2; this.names.has(name); i++) name = `${prefix}_${i}`;
    this.names.add(name);
    return name;
  }

  /** A graph input (float32); returns its value. */
  input(name: string, dims: Dim[], docString?: string): string {
    const value = this.uniqueName(name);
    this.inputs.push(floatValueInfo(value, dims, docString));
    return value;
  }

  /** Declares `value`, a node's output, a graph output (name that node's output with `node(…, outputName)`). */
  output(value: string, dims: Dim[], docString?: string, elemType: number = FLOAT): void {
    this.outputs.push(floatValueInfo(value, dims, docString, elemType));
  }

  /** A float32 initializer; returns its value. */
  floatInitializer(name: string, dims: number[], data: Float32Array | number[]): string {
    const t = floatTensor(this.uniqueName(name), dims, data);
    this.initializers.push(t);
    return t.name!;
  }

  /** An int64 initializer (shapes, pads, slice bounds); returns its value. */
  int64Initializer(name: string, dims: number[], data: Array<number | bigint>): string {
    const t = int64Tensor(this.uniqueName(name), dims, data);
    this.initializers.push(t);
    return t.name!;
  }

  /**
   * A node of the default domain with one output; returns the output's value. `name` names the node; its output
   * is named the same unless `outputName` is given (a graph output's name).
   */
  node(op: string, inputs: string[], attrs: Record<string, AttributeValue> = {}, name = op.toLowerCase(), outputName?: string): string {
    opForm(op); // refuses ops the writer does not know
    const nodeName = this.uniqueName(name);
    const out = outputName ? this.uniqueName(outputName) : nodeName;
    this.opsUsed.add(op);
    this.nodes.push({
      name: nodeName,
      opType: op,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /**
   * A node with several outputs (TopK: values and indices); returns them. Names as `node`, the outputs
   * suffixed with their position.
   */
  nodeOutputs(op: string, inputs: string[], count: number, attrs: Record<string, AttributeValue> = {}, name = op.toLowerCase()): string[] {
    opForm(op);
    const nodeName = this.uniqueName(name);
    const outs = Array.from({ length: count }, (_, i) => this.uniqueName(`${nodeName}.out${i}`));
    this.opsUsed.add(op);
    this.nodes.push({ name: nodeName, opType: op, input: inputs, output: outs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return outs;
  }

  /** Records a form the graph needs beyond its ops' own (an OPS key such as 'RoiAlign(half_pixel)'), for the opset check. */
  needs(form: string): void {
    opForm(form);
    this.opsUsed.add(form);
  }

  /** The ops the graph uses so far. */
  ops(): string[] {
    return [...this.opsUsed];
  }

  toProto(docString?: string): onnx.IGraphProto {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
      ...(docString ? { docString } : {}),
    };
  }
}
