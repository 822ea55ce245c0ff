/**
 * ResdetSgdStep: SGD's update of one parameter in one native pass (engine/native/src/optim.cc), the same float
 * operations in the same order as engine/optim/sgd.ts's tfjs ops, so the result is identical bit for bit.
 * Inputs p, grad and, after the first momentum step, buf; attrs lr, momentum, weightDecay, nesterov. Outputs
 * [p'] without momentum, else [p', buf'].
 */
import * as tf from '@tensorflow/tfjs';
import { addon, nativeKernel, nb } from './common';

const SGD_STEP = 'ResdetSgdStep';

const sgdStep = nativeKernel(SGD_STEP, ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { p, grad, buf } = inputs as Record<string, tf.TensorInfo | undefined> as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as { lr: number; momentum: number; weightDecay: number; nesterov: boolean };
  const pv = be.f32(p), gv = be.f32(grad), bv = buf ? be.f32(buf) : null;
  if (!pv || !gv || (buf && !bv)) throw new Error(`${SGD_STEP}: float32 parameter, gradient and buffer expected`);
  const pOut = be.allocF32(p.shape);
  const bufOut = a.momentum !== 0 ? be.allocF32(p.shape) : null;
  addon().sgdStep(pv, bv, gv, pOut.values, bufOut?.values ?? null, a.lr, a.momentum, a.weightDecay, a.nesterov);
  return bufOut ? [pOut.info, bufOut.info] : [pOut.info];
});

export function optimKernels(): tf.KernelConfig[] {
  return [sgdStep];
}
