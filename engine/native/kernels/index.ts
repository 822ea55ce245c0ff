/** Every kernel the native backend runs in the addon (the rest are tfjs-cpu's, copied under 'native'). */
import * as tf from '@tensorflow/tfjs';
import { convKernels } from './conv';
import { batchNormKernels } from './batch_norm';
import { matMulKernels } from './matmul';
import { elementwiseKernels } from './elementwise';
import { reduceKernels } from './reduce';
import { poolKernels } from './pool';
import { roiKernels } from './roi';
import { dataMovementKernels } from './data_movement';
import { optimKernels } from './optim';
import { reluGradKernel } from '../relu_grad';

export function nativeKernels(): tf.KernelConfig[] {
  return [...convKernels(), ...batchNormKernels(), ...matMulKernels(), ...elementwiseKernels(), ...reduceKernels(), ...poolKernels(),
    ...roiKernels(), ...dataMovementKernels(), ...optimKernels(), reluGradKernel];
}
