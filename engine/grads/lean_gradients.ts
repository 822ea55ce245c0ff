/**
 * Reverse-mode gradients that free memory as they go. tfjs's engine keeps, until the whole backward pass has
 * finished, every tensor the forward pass saved for it and the gradient of every intermediate tensor: a training
 * step's peak is then all saved activations plus all their gradients at once. Here, once a tape node has been
 * back-propagated, the gradients of its outputs (complete by then: their consumers come later on the tape) and
 * the tensors it saved are disposed (before its gradients are summed into those already there; on native a sum
 * goes into the first gradient's own array). The values computed are the same: the same gradient functions run in
 * the same node order, their parts in the order each gradient function lists them (tfjs: the node's input order;
 * they differ only where one tensor feeds two inputs of one node whose parts are listed in another order).
 *
 * Installed over `tf.engine().gradients` (which tf.grads, tf.variableGrads and optimizers call); nested gradient
 * computations (a tape recording while gradients are taken) go to tfjs's own implementation unchanged.
 * Ownership rule: every entry of the gradient map holds a tensor object of its own, created during this backward
 * pass; a gradient function that hands back a tensor that exists elsewhere (its dy, a saved tensor, an input) is
 * stored as a clone (no copy of the data), so disposing an entry never disposes something still in use.
 */
import * as tf from '@tensorflow/tfjs';

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: tf.Tensor[] };
}

/** The nodes on a path from one of `xs` to `y`, each with only the inputs that depend on some x. */
function nodesFromXToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodeFromX = tape.map((node) => {
    const hit = Object.values(node.inputs).some((t) => fromX.has(t.id));
    if (hit) node.outputs.forEach((o) => fromX.add(o.id));
    return hit;
  });
  const toY = new Set([y.id]);
  const nodeToY = new Array<boolean>(tape.length).fill(false);
  for (let i = tape.length - 1; i >= 0; i--) {
    if (!tape[i].outputs.some((o) => toY.has(o.id))) continue;
    nodeToY[i] = true;
    Object.values(tape[i].inputs).forEach((t) => toY.add(t.id));
  }
  const kept: TapeNode[] = [];
  tape.forEach((node, i) => {
    if (!nodeFromX[i] || !nodeToY[i]) return;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    kept.push({ ...node, inputs });
  });
  return kept;
}

interface AddsInto {
  addInto?(target: tf.TensorInfo, x: tf.TensorInfo): boolean;
}

/**
 * acc += dx in acc's own memory where the backend can (native: acc's data referenced by acc alone) — the same
 * float32 sums as tf.add(acc, dx), without a third array of the size at the moment of the sum.
 */
function addsInPlace(acc: tf.Tensor, dx: tf.Tensor): boolean {
  const backend = tf.backend() as unknown as AddsInto;
  return backend.addInto !== undefined && backend.addInto(acc, dx);
}

/** The map from tensor id to its gradient so far, owning every tensor it holds. */
class GradientMap {
  private readonly grads = new Map<number, tf.Tensor>();
  private readonly held = new Set<tf.Tensor>();
  constructor(private readonly firstOwnId: number) {}

  get(id: number): tf.Tensor | undefined {
    return this.grads.get(id);
  }

  /** A tensor this map may own: `t` itself when created in this pass and not held yet, else a clone. */
  private own(t: tf.Tensor): tf.Tensor {
    return t.id >= this.firstOwnId && !this.held.has(t) ? t : tf.clone(t);
  }

  /** Adds `dx` to the gradient of tensor `id` (disposing what the sum replaces). */
  accumulate(id: number, dx: tf.Tensor): void {
    const cur = this.grads.get(id);
    if (cur === undefined) {
      this.set(id, this.own(dx));
      return;
    }
    const ownsDx = dx.id >= this.firstOwnId && !this.held.has(dx);
    if (addsInPlace(cur, dx)) {
      if (ownsDx) dx.dispose();
      return;
    }
    const sum = tf.add(cur, dx);
    this.release(id);
    if (ownsDx) dx.dispose();
    this.set(id, sum);
  }

  private set(id: number, t: tf.Tensor): void {
    this.grads.set(id, t);
    this.held.add(t);
  }

  /** Disposes the gradient of tensor `id`. */
  release(id: number): void {
    const t = this.grads.get(id);
    if (t === undefined) return;
    this.grads.delete(id);
    this.held.delete(t);
    t.dispose();
  }
}

function checkGradient(node: TapeNode, name: string, dx: tf.Tensor, x: tf.Tensor): void {
  if (dx.dtype !== 'float32') {
    throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
  }
  if (dx.shape.join() !== x.shape.join()) {
    throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
  }
}

/** Back-propagates through one node: its inputs' gradients, each computed in one scope with the node's work. */
function backpropNode(node: TapeNode, grads: GradientMap, keepIds: Set<number>): void {
  if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
  const gradient = node.gradient;
  const dys = node.outputs.map((o) => grads.get(o.id) ?? null) as tf.Tensor[];
  let names = Object.keys(node.inputs);
  const dxs = tf.tidy(() => {
    const thunks = gradient(dys);
    const missing = names.find((name) => !(name in thunks));
    if (missing !== undefined) throw new Error(`Cannot backprop through input ${missing}. Available gradients found: ${Object.keys(thunks)}.`);
    names = Object.keys(thunks).filter((name) => name in node.inputs); // in the gradient function's order
    return names.map((name) => thunks[name]());
  });
  // The saved tensors are spent once the gradients are computed: freed before the sums below need memory (a
  // saved tensor handed back as a gradient waits until the map has taken its own handle)
  const handedBack = (node.saved ?? []).filter((t) => dxs.includes(t));
  for (const t of node.saved ?? []) if (!handedBack.includes(t)) t.dispose();
  names.forEach((name, i) => {
    const x = node.inputs[name];
    checkGradient(node, name, dxs[i], x);
    grads.accumulate(x.id, dxs[i]);
  });
  for (const o of node.outputs) if (!keepIds.has(o.id)) grads.release(o.id);
  for (const t of handedBack) t.dispose();
}

type Gradients = EngineInternals['gradients'];
let original: Gradients | null = null;

/** tfjs's own implementation (for comparisons in tests); null before installLeanGradients. */
export function tfjsGradients(): Gradients | null {
  return original;
}

/** Puts the lean backward pass in place of tfjs's (once per process). */
export function installLeanGradients(): void {
  if (original) return;
  const engine = tf.engine() as unknown as EngineInternals;
  const tfjs = engine.gradients.bind(engine);
  original = tfjs;
  engine.gradients = (f, xs, dy, allowNoGradients = false) => {
    if (engine.state.gradientDepth > 0) return tfjs(f, xs, dy, allowNoGradients);
    if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    const y = engine.scopedRun(() => engine.startTape(), () => engine.endTape(), () => engine.tidy('forward', f));
    if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
    const tape = engine.state.activeTape ?? [];
    const nodes = nodesFromXToY(tape, xs, y);
    if (!allowNoGradients && nodes.length === 0) {
      throw new Error('Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.');
    }
    return engine.tidy('backward', () => {
      const seed = dy == null ? tf.ones(y.shape) : tf.clone(dy);
      const grads = new GradientMap(seed.id);
      grads.accumulate(y.id, seed);
      const keepIds = new Set(xs.map((x) => x.id));
      for (let i = nodes.length - 1; i >= 0; i--) backpropNode(nodes[i], grads, keepIds);
      const result = xs.map((x) => grads.get(x.id)) as tf.Tensor[];
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
      return { value: y, grads: result };
    });
  };
}
