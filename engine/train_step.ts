/**
 * One optimisation step, generic over models: the loss's gradients with respect to the named trainable
 * variables, an optimizer update, and every intermediate tensor disposed — a loop of these keeps the tensor
 * count flat. Returns the loss value and any extra scalars the loss function reports.
 */
import * as tf from '@tensorflow/tfjs';
import { Optimizer } from './optim/optimizer';

export interface StepResult {
  loss: number;
  parts: Record<string, number>;
  /** the images the step saw in all processes (a data-parallel step; engine/distributed/data_parallel_step.ts) */
  images?: number;
  /** a data-parallel step's time in collectives, waiting for the other processes included (seconds) */
  commSeconds?: number;
}

/** The loss function of a step: the total loss and optionally named parts (scalars, e.g. the RPN and head losses). */
export type StepLossFn = () => { total: tf.Scalar; parts?: Record<string, tf.Scalar> };

/** A step's loss values and its gradients by parameter name (the caller disposes them). */
export interface Gradients extends StepResult {
  grads: Record<string, tf.Tensor>;
}

/**
 * The loss, its parts and the gradients of `lossFn` with respect to `params` (named as in `params`; a parameter
 * the loss does not depend on has none). Every other tensor is disposed.
 */
export function computeGradients(params: Array<[string, tf.Variable]>, lossFn: StepLossFn): Gradients {
  const byVar = new Map(params.map(([n, v]) => [v.name, n]));
  let parts: Record<string, tf.Scalar> = {};
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    result = tf.variableGrads(() => {
      const r = lossFn();
      parts = Object.fromEntries(Object.entries(r.parts ?? {}).map(([k, v]) => [k, tf.keep(v)]));
      return r.total;
    }, params.map(([, v]) => v));
  } catch (e) {
    throw explainWasmAbort(e);
  }
  const { value, grads } = result;
  const loss = value.dataSync()[0];
  const partValues = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.dataSync()[0]]));
  tf.dispose([value, ...Object.values(parts)]);
  const named: Record<string, tf.Tensor> = {};
  for (const [varName, g] of Object.entries(grads)) named[byVar.get(varName) ?? varName] = g;
  return { loss, parts: partValues, grads: named };
}

/** The error of a step whose loss is not finite (raised before any parameter changes). */
export function divergedError(loss: number): Error {
  return new Error(`loss is ${loss}: training diverged (lower the learning rate or check the data)`);
}

/**
 * `lossFn` returns the total loss and optionally named parts (scalars, e.g. the RPN and head losses).
 * Non-finite losses raise before any parameter changes.
 */
export function trainStep(params: Array<[string, tf.Variable]>, lossFn: StepLossFn, optimizer: Optimizer, lr: number): StepResult {
  const { loss, parts, grads } = computeGradients(params, lossFn);
  if (!Number.isFinite(loss)) {
    tf.dispose(Object.values(grads));
    throw divergedError(loss);
  }
  optimizer.step(params, grads, lr);
  tf.dispose(Object.values(grads));
  return { loss, parts };
}

/**
 * The wasm backend has one 4 GiB memory (wasm32) for every tensor; when a step needs more, its allocator fails
 * with a bare "Aborted()" or "memory access out of bounds" (both seen with ResNet-50 detectors at 600x800).
 * Say what happened and what to do instead.
 */
export function explainWasmAbort(e: unknown): unknown {
  if (tf.getBackend() !== 'wasm' || !(e instanceof Error) || !/Aborted\(|memory access out of bounds/.test(e.message)) return e;
  return new Error(
    'the wasm backend ran out of memory in a training step (wasm has 4 GiB for all tensors, and this step needs more): ' +
      'use the native backend (apt-get install libdnnl-dev, then npm run build:native), or smaller images ' +
      '(data.shortSides, data.maxSize), fewer images per batch or fewer RoIs per image',
  );
}
