/**
 * SGD with momentum and weight decay, as torch.optim.SGD (dampening 0, optional Nesterov):
 *   g = grad + weightDecay * p;  buf = momentum * buf + g (buf = g on the first step);  p -= lr * buf
 * Parameters are named; the momentum buffers are state that checkpoints save and restore by name.
 * Where the backend has ResdetSgdStep (native) each parameter's update is one kernel computing the same float
 * operations in the same order (bit-identical); elsewhere it is tfjs's element-wise ops.
 */
import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer';
import { hasKernel } from '../kernels/register';

const SGD_STEP = 'ResdetSgdStep';

export interface SgdOptions {
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
  /** parameter names that get no weight decay (e.g. batch-norm and bias terms) */
  noDecay?: (name: string) => boolean;
}

export class SGD implements Optimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly noDecay: (name: string) => boolean;
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(opts: SgdOptions = {}) {
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.noDecay = opts.noDecay ?? (() => false);
  }

  /** Applies one update. `grads` maps parameter names to gradients (not disposed here). */
  step(params: Array<[string, tf.Variable]>, grads: Record<string, tf.Tensor>, lr: number): void {
    const fused = hasKernel(SGD_STEP);
    for (const [name, p] of params) {
      const grad = grads[name];
      if (!grad) continue;
      if (fused && grad.dtype === 'float32' && p.dtype === 'float32') {
        this.fusedStep(name, p, grad, lr);
        continue;
      }
      tf.tidy(() => {
        let g: tf.Tensor = grad;
        if (this.weightDecay && !this.noDecay(name)) g = tf.add(g, tf.mul(p, this.weightDecay));
        if (this.momentum) {
          const buf = this.buffers.get(name);
          if (!buf) {
            this.buffers.set(name, tf.variable(g, false));
          } else {
            buf.assign(tf.add(tf.mul(buf, this.momentum), g));
          }
          const b = this.buffers.get(name) as tf.Variable;
          g = this.nesterov ? tf.add(g, tf.mul(b, this.momentum)) : b;
        }
        p.assign(tf.sub(p, tf.mul(g, lr)));
      });
    }
  }

  /** One parameter's update as one ResdetSgdStep kernel. */
  private fusedStep(name: string, p: tf.Variable, grad: tf.Tensor, lr: number): void {
    const buf = this.buffers.get(name);
    const weightDecay = this.weightDecay && !this.noDecay(name) ? this.weightDecay : 0;
    const inputs = (buf ? { p, grad, buf } : { p, grad }) as unknown as tf.NamedTensorMap;
    const attrs = { lr, momentum: this.momentum, weightDecay, nesterov: this.nesterov };
    const [pNew, bufNew] = tf.engine().runKernel(SGD_STEP, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    p.assign(pNew);
    pNew.dispose();
    if (!bufNew) return;
    if (buf) buf.assign(bufNew);
    else this.buffers.set(name, tf.variable(bufNew, false));
    bufNew.dispose();
  }

  /** Momentum buffers by parameter name (live variables; do not dispose). */
  state(): Map<string, tf.Tensor> {
    return new Map(this.buffers);
  }

  loadState(state: Map<string, { shape: number[]; data: Float32Array }>): void {
    this.disposeBuffers();
    for (const [name, v] of state) {
      const t = tf.tensor(v.data, v.shape);
      this.buffers.set(name, tf.variable(t, false));
      t.dispose();
    }
  }

  private disposeBuffers(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }

  dispose(): void {
    this.disposeBuffers();
  }
}
