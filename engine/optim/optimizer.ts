/**
 * What the training harness asks of an optimizer: one update from named gradients at a learning rate, and its
 * state by name (what checkpoints save and restore, and what data-parallel processes copy from rank 0).
 * SGD (sgd.ts) and Adam/AdamW (adam.ts) are the two; `createOptimizer` picks one from a solver's settings.
 */
import * as tf from '@tensorflow/tfjs';
import { SGD } from './sgd';
import { Adam } from './adam';

export interface Optimizer {
  /** which of OPTIMIZERS it is (checkpoints record it: a run resumes with the optimizer it trained with) */
  readonly kind: OptimizerKind;
  /** Applies one update. `grads` maps parameter names to gradients (not disposed here). */
  step(params: Array<[string, tf.Variable]>, grads: Record<string, tf.Tensor>, lr: number): void;
  /** the state by name (live variables; do not dispose) */
  state(): Map<string, tf.Tensor>;
  loadState(state: Map<string, { shape: number[]; data: Float32Array }>): void;
  dispose(): void;
}

export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

export interface OptimizerSettings {
  /** default 'sgd' */
  optimizer?: OptimizerKind;
  momentum: number;
  weightDecay: number;
  /** Adam's β1, β2 (default 0.9, 0.999) */
  betas?: number[];
  /** Adam's ε (default 1e-8) */
  eps?: number;
}

/** SGD with momentum, Adam (L2 weight decay, as torch.optim.Adam) or AdamW (decoupled, as torch.optim.AdamW). */
export function createOptimizer(s: OptimizerSettings): Optimizer {
  if (s.optimizer === 'adam' || s.optimizer === 'adamw') {
    const [beta1, beta2] = s.betas ?? [0.9, 0.999];
    return new Adam({ beta1, beta2, eps: s.eps ?? 1e-8, weightDecay: s.weightDecay, decoupled: s.optimizer === 'adamw' });
  }
  return new SGD({ momentum: s.momentum, weightDecay: s.weightDecay });
}
