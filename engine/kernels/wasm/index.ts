/**
 * Training kernels for the wasm backend (see engine/kernels/register.ts):
 * - Conv2DBackpropFilter (missing from tfjs-backend-wasm): one XNNPACK matrix product over im2col columns;
 * - Conv2DBackpropInput (replaces wasm's direct loop): XNNPACK forward convolutions, sub-pixel for strides;
 * - MaxPoolGrad (replaces wasm's, which routes gradients to wrong positions);
 * - GatherV2 (replaces wasm's, wrong with batchDims > 0);
 * - BatchMatMul with a transposed operand (wasm's runs it as a scalar loop): transposed first, then XNNPACK;
 * - _FusedMatMul (wasm's adds the bias to the wrong columns when batched or transposed).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input';
import { gatherV2Config } from './gather_v2';
import { maxPoolGradConfig } from './max_pool_grad';
import { fusedMatMulConfig, untransposedMatMulConfig } from './batch_mat_mul';

export function wasmTrainingKernels(): tf.KernelConfig[] {
  const matMuls = [untransposedMatMulConfig(), fusedMatMulConfig()];
  return [conv2dBackpropFilterConfig, conv2dBackpropInputConfig, maxPoolGradConfig, gatherV2Config,
    ...matMuls.filter((k): k is tf.KernelConfig => k !== null)];
}
