/** Fully connected layer: `weight` stored [in, out] (torchvision's [out, in] transposed), `bias` [out]. */
import * as tf from '@tensorflow/tfjs';
import { Module, Parameter } from './module';
import { uniform, normal, UniformSource } from './init';

export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { initStd?: number; rand?: UniformSource } = {}) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    if (opts.initStd !== undefined) {
      this.weight = this.addParameter('weight', normal([inFeatures, outFeatures], opts.initStd, opts.rand));
      this.bias = this.addParameter('bias', tf.zeros([outFeatures]));
    } else {
      this.weight = this.addParameter('weight', uniform([inFeatures, outFeatures], bound, opts.rand));
      this.bias = this.addParameter('bias', uniform([outFeatures], bound, opts.rand));
    }
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(x, this.weight.variable as tf.Tensor2D), this.bias.variable));
  }
}
