/**
 * A small module system: a tree of modules holding parameters (trainable or frozen) and buffers
 * (running statistics), addressed by dotted names that follow torchvision's (`layer1.0.conv1.weight`), so
 * that weights move between resdet and PyTorch by name. Training mode is set for the whole tree.
 */
import * as tf from '@tensorflow/tfjs';
import { torchShape } from '../torch_layout';

export interface Parameter {
  variable: tf.Variable;
  trainable: boolean;
}

export type StateDict = Map<string, tf.Tensor>;

export abstract class Module {
  training = true;
  private readonly childList: Array<[string, Module]> = [];
  private readonly paramList: Array<[string, Parameter]> = [];
  private readonly bufferList: Array<[string, tf.Variable]> = [];

  protected addModule<M extends Module>(name: string, module: M): M {
    this.childList.push([name, module]);
    return module;
  }

  protected addParameter(name: string, init: tf.Tensor, trainable = true): Parameter {
    const p: Parameter = { variable: tf.variable(init, trainable), trainable };
    init.dispose();
    this.paramList.push([name, p]);
    return p;
  }

  protected addBuffer(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, false);
    init.dispose();
    this.bufferList.push([name, v]);
    return v;
  }

  children(): Array<[string, Module]> {
    return this.childList;
  }

  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [n, m] of this.childList) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  namedParameters(prefix = ''): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    for (const [n, p] of this.paramList) out.push([prefix ? `${prefix}.${n}` : n, p]);
    for (const [n, m] of this.childList) out.push(...m.namedParameters(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [n, b] of this.bufferList) out.push([prefix ? `${prefix}.${n}` : n, b]);
    for (const [n, m] of this.childList) out.push(...m.namedBuffers(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  /** The variables an optimizer updates, with their names, in a stable order. */
  trainableParameters(): Array<[string, tf.Variable]> {
    return this.namedParameters()
      .filter(([, p]) => p.trainable)
      .map(([n, p]) => [n, p.variable]);
  }

  /** Number of parameter elements (not buffers), as torchvision's sum(p.numel()). */
  numParameters(): number {
    return this.namedParameters().reduce((s, [, p]) => s + p.variable.size, 0);
  }

  /** Training mode for this module and every descendant (batch norm uses batch statistics). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Stops gradient updates of every parameter below; batch norms become frozen (running statistics). */
  freeze(): this {
    for (const [, m] of this.namedModules()) m.onFreeze();
    for (const [, p] of this.namedParameters()) {
      p.trainable = false;
      p.variable.trainable = false;
    }
    return this;
  }

  /** Hook for modules whose behaviour changes when frozen (batch norm). */
  protected onFreeze(): void {}

  /** Parameters and buffers by name. The tensors are the live variables: do not dispose them. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [n, p] of this.namedParameters()) out.set(n, p.variable);
    for (const [n, b] of this.namedBuffers()) out.set(n, b);
    return out;
  }

  /**
   * Assigns values by name. Shapes must match exactly. With strict, missing and unexpected names are an
   * error; every problem is listed in one message. Names in `ignore` are skipped silently. With `torchLayout`
   * (values converted from a PyTorch-layout file by fromTorchLayout) shapes in the message are given in the
   * file's layout (conv OIHW, linear [out, in]), the one the user knows.
   */
  loadStateDict(
    values: Map<string, { shape: number[]; data: Float32Array }>,
    opts: { strict?: boolean; ignore?: (name: string) => boolean; source?: string; torchLayout?: boolean } = {},
  ): { missing: string[]; unexpected: string[] } {
    const strict = opts.strict ?? true;
    const ignore = opts.ignore ?? (() => false);
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !values.has(k) && !ignore(k));
    const unexpected = [...values.keys()].filter((k) => !own.has(k) && !ignore(k));
    const misshaped: string[] = [];
    for (const [k, v] of values) {
      const t = own.get(k);
      const shown = (shape: number[]) => `[${opts.torchLayout ? torchShape(shape) : shape}]`;
      if (t && t.shape.join(',') !== v.shape.join(',')) misshaped.push(`${k}: file ${shown(v.shape)} vs model ${shown(t.shape)}`);
    }
    const problems: string[] = [];
    if (strict && missing.length) problems.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
    if (misshaped.length) {
      problems.push(`mis-shaped keys (${misshaped.length})${opts.torchLayout ? ', shapes as PyTorch stores them' : ''}: ${misshaped.join('; ')}`);
    }
    if (problems.length) {
      throw new Error(`${opts.source ? `${opts.source}: ` : ''}weights do not fit the model:\n  ${problems.join('\n  ')}`);
    }
    for (const [k, v] of values) {
      const t = own.get(k) as tf.Variable | undefined;
      if (!t) continue;
      const nt = tf.tensor(v.data, v.shape, t.dtype === 'int32' ? 'int32' : 'float32');
      t.assign(nt);
      nt.dispose();
    }
    return { missing, unexpected };
  }

  /** Hook for modules that hold tensors besides parameters and buffers (called by dispose on every module). */
  protected onDispose(): void {}

  dispose(): void {
    for (const [, m] of this.namedModules()) m.onDispose();
    for (const [, p] of this.namedParameters()) p.variable.dispose();
    for (const [, b] of this.namedBuffers()) b.dispose();
  }
}
