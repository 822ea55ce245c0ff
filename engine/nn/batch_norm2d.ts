/**
 * Batch norm over channels (last axis) with torchvision's names: weight, bias, running_mean, running_var.
 * - training (module.training and not frozen): batch statistics, one kernel with its own gradient; the
 *   running statistics are updated as PyTorch does (momentum 0.1, unbiased variance).
 * - eval: running statistics.
 * - frozen (detection fine-tuning, the paper's choice): running statistics always, weight and bias fixed.
 */
import * as tf from '@tensorflow/tfjs';
import { Module, Parameter } from './module';
import { batchNormInference, batchNormTrain, updatedRunningStats } from '../ops/batch_norm';
import { releaseFolded } from './conv_bn';
import { untaped } from '../grads/untaped';

export class BatchNorm2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  frozen = false;

  /** `eps` may be set before the first forward pass (detectors loading torchvision's v1 COCO weights use 0) */
  constructor(readonly numFeatures: number, public eps = 1e-5, readonly momentum = 0.1) {
    super();
    this.weight = this.addParameter('weight', tf.ones([numFeatures]));
    this.bias = this.addParameter('bias', tf.zeros([numFeatures]));
    this.runningMean = this.addBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.addBuffer('running_var', tf.ones([numFeatures]));
  }

  protected onFreeze(): void {
    this.frozen = true;
  }

  /** The copy folded into a convolution for eval mode (conv_bn.ts), if any. */
  protected onDispose(): void {
    releaseFolded(this);
  }

  /** Batch norm of x, followed by a ReLU when `relu` (one kernel in training where the backend has it). */
  forward<T extends tf.Tensor>(x: T, relu = false): T {
    const gamma = this.weight.variable as tf.Tensor1D;
    const beta = this.bias.variable as tf.Tensor1D;
    if (!this.training || this.frozen) {
      const y = batchNormInference(x, gamma, beta, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, this.eps);
      if (!relu) return y;
      const out = tf.relu(y);
      y.dispose();
      return out;
    }
    const { y, mean, variance } = batchNormTrain(x, gamma, beta, this.eps, relu);
    const n = x.size / this.numFeatures;
    const m = this.momentum;
    // no gradient flows into the running statistics: off the tape (no recorded ops, no saved clones)
    untaped(() => {
      const [rm, rv] = updatedRunningStats(this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, mean as tf.Tensor1D, variance as tf.Tensor1D, m, n);
      this.runningMean.assign(rm);
      this.runningVar.assign(rv);
      tf.dispose([rm, rv]);
    });
    mean.dispose();
    variance.dispose();
    return y;
  }
}
