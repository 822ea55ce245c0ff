/**
 * Adam, as torch.optim.Adam (weight decay added to the gradient) or, with `decoupled`, torch.optim.AdamW (the
 * parameter shrunk by lr * weightDecay before the update); no amsgrad. With t the number of steps taken:
 *   m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²;  p -= lr / (1 - β1^t) * m / (sqrt(v) / sqrt(1 - β2^t) + ε)
 * The state is each parameter's m and v (`<name>.exp_avg`, `<name>.exp_avg_sq`) and the step count (`adam.step`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** AdamW: decay the parameter itself, not through the gradient */
  decoupled?: boolean;
}

const STEP = 'adam.step';

export class Adam implements Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  readonly kind: 'adam' | 'adamw';
  private t = 0;
  /** `t` as the tensor state() hands out, and the step it holds (made again when t has moved) */
  private stepTensor: tf.Tensor | null = null;
  private stepTensorAt = 0;
  private readonly moments = new Map<string, tf.Variable>();

  constructor(o: AdamOptions = {}) {
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    this.decoupled = o.decoupled ?? false;
    this.kind = this.decoupled ? 'adamw' : 'adam';
  }

  private moment(key: string, like: tf.Tensor): tf.Variable {
    let m = this.moments.get(key);
    if (!m) {
      m = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.moments.set(key, m);
    }
    return m;
  }

  step(params: Array<[string, tf.Variable]>, grads: Record<string, tf.Tensor>, lr: number): void {
    this.t += 1;
    const stepSize = lr / (1 - this.beta1 ** this.t);
    const bias2Sqrt = Math.sqrt(1 - this.beta2 ** this.t);
    for (const [name, p] of params) {
      const grad = grads[name];
      if (!grad) continue;
      const m = this.moment(`${name}.exp_avg`, p);
      const v = this.moment(`${name}.exp_avg_sq`, p);
      tf.tidy(() => {
        let g: tf.Tensor = grad;
        let base: tf.Tensor = p;
        if (this.weightDecay && this.decoupled) base = tf.mul(p, 1 - lr * this.weightDecay);
        else if (this.weightDecay) g = tf.add(g, tf.mul(p, this.weightDecay));
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), bias2Sqrt), this.eps);
        p.assign(tf.sub(base, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }

  state(): Map<string, tf.Tensor> {
    const s = new Map<string, tf.Tensor>(this.moments);
    if (!this.t) return s;
    if (!this.stepTensor || this.stepTensorAt !== this.t) {
      this.stepTensor?.dispose();
      this.stepTensor = tf.keep(tf.tensor1d([this.t]));
      this.stepTensorAt = this.t;
    }
    s.set(STEP, this.stepTensor);
    return s;
  }

  loadState(state: Map<string, { shape: number[]; data: Float32Array }>): void {
    this.disposeMoments();
    for (const [name, v] of state) {
      if (name === STEP) {
        this.t = v.data[0];
        continue;
      }
      const t = tf.tensor(v.data, v.shape);
      this.moments.set(name, tf.variable(t, false));
      t.dispose();
    }
  }

  private disposeMoments(): void {
    for (const m of this.moments.values()) m.dispose();
    this.moments.clear();
    this.stepTensor?.dispose();
    this.stepTensor = null;
    this.t = 0;
  }

  dispose(): void {
    this.disposeMoments();
  }
}
