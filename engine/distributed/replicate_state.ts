/**
 * Making every process of a data-parallel job hold rank 0's state: the model's parameters and buffers, and the
 * optimizer's momentum buffers — at the start of a run (fresh or resumed: only rank 0 reads the checkpoint or
 * the pretrained weights) and, for batch norm in training mode, its running statistics after every step (as
 * PyTorch DDP's broadcast_buffers: each process normalises with its own batch statistics, and rank 0's
 * running averages are the ones kept).
 */
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { BatchNorm2d } from '../nn/batch_norm2d';
import { Optimizer } from '../optim/optimizer';
import { World } from './world';
import { broadcastJson } from './json_collectives';

type Named = Array<[string, tf.Tensor]>;

/** Broadcasts the values of `tensors` (float32, the same names and shapes on every rank) from rank 0 and assigns them elsewhere. */
function broadcastTensors(world: World, tensors: Named): void {
  const floats = tensors.filter(([, t]) => t.dtype === 'float32');
  const total = floats.reduce((s, [, t]) => s + t.size, 0);
  const flat = new Float32Array(total);
  if (world.rank === 0) floats.reduce((at, [, t]) => (flat.set(t.dataSync() as Float32Array, at), at + t.size), 0);
  world.broadcast(flat);
  if (world.rank === 0) return;
  let at = 0;
  for (const [, t] of floats) {
    // a fresh array per tensor: TypedArray backends keep the array a tensor is made from
    const v = tf.tensor(flat.slice(at, at + t.size), t.shape, 'float32');
    (t as tf.Variable).assign(v);
    v.dispose();
    at += t.size;
  }
}

/** Every rank's model (parameters and buffers) and optimizer state = rank 0's. */
export function replicateFromRoot(world: World, model: Module, optimizer: Optimizer): void {
  if (world.size === 1) return;
  broadcastTensors(world, [...model.stateDict()]);
  const shapes = broadcastJson(world, [...optimizer.state()].map(([name, t]) => [name, t.shape] as [string, number[]]));
  const flat = new Float32Array(shapes.reduce((s, [, shape]) => s + shape.reduce((a, b) => a * b, 1), 0));
  if (world.rank === 0) {
    let at = 0;
    for (const [, t] of optimizer.state()) (flat.set(t.dataSync() as Float32Array, at), (at += t.size));
  }
  world.broadcast(flat);
  if (world.rank === 0) return;
  let at = 0;
  const state = new Map(shapes.map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const entry = { shape, data: flat.slice(at, at + n) };
    at += n;
    return [name, entry];
  }));
  optimizer.loadState(state);
}

/** Every rank's buffers (batch-norm running statistics) = rank 0's. */
export function replicateBuffers(world: World, model: Module): void {
  if (world.size > 1) broadcastTensors(world, model.namedBuffers());
}

/** True when some batch norm of `model` normalises with batch statistics (training mode, not frozen). */
export function trainsBatchNorm(model: Module): boolean {
  return model.namedModules().some(([, m]) => m instanceof BatchNorm2d && m.training && !m.frozen);
}
