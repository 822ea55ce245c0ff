/**
 * Convolutions on oneDNN: Conv2D, FusedConv2D (bias and ReLU as post-ops; other activations, PReLU weights
 * and non-vector biases go to tfjs-cpu), ResdetConv2DAddRelu (relu(conv(x) + bias + add), the end of a residual
 * block at inference, convBnAddRelu in engine/nn/conv_bn.ts: the add and ReLU as post-ops), Conv2DBackpropInput,
 * Conv2DBackpropFilter. NHWC only. Filters used again unchanged stay in oneDNN's layout in the addon
 * (weight_ids.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, addon, isChannelsLast, nativeKernel, nb } from './common';
import { reusedWeightId } from '../weight_ids';
import { recordingGradients } from '../../grads/recording';

type Info = tf.backend_util.Conv2DInfo;

/** How the residual add runs (conv.cc): none, a binary post-op reading the add input, or a sum into its storage. */
const enum AddMode {
  None = 0,
  Binary = 1,
  InPlace = 2,
}

/**
 * The addon's description of a convolution. `inference`: no gradient will be taken of this forward pass (no
 * tf.grad/variableGrads is recording), so the addon may use Winograd's algorithm for it (conv.cc).
 */
function geom(c: Info, relu: boolean, add = AddMode.None, inference = false): Int32Array {
  const p = c.padInfo;
  return Int32Array.of(c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.filterHeight, c.filterWidth,
    c.outChannels, c.outHeight, c.outWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth,
    p.top, p.left, p.bottom, p.right, relu ? 1 : 0, add, inference ? 1 : 0);
}

function convInfo(xShape: number[], wShape: number[], attrs: Record<string, unknown>): Info {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], wShape as [number, number, number, number],
    attrs.strides as [number, number], (attrs.dilations ?? 1) as [number, number], attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined, false, 'channelsLast');
}

function forward(args: KernelArgs, fused: boolean) {
  const { inputs, attrs, backend } = args;
  const be = nb(backend);
  const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  const a = attrs as Record<string, unknown>;
  if (!x || !filter || !isChannelsLast(a.dataFormat)) return null;
  const activation = fused ? (a.activation as string) ?? 'linear' : 'linear';
  if (activation !== 'linear' && activation !== 'relu') return null;
  if (preluActivationWeights) return null;
  const xv = be.f32(x), wv = be.f32(filter);
  if (!xv || !wv) return null;
  const c = convInfo(x.shape, filter.shape, a);
  let bv: Float32Array | null = null;
  if (bias) {
    bv = be.f32(bias);
    if (!bv || bias.shape.length !== 1 || bias.shape[0] !== c.outChannels) return null;
  }
  const out = be.allocF32([c.batchSize, c.outHeight, c.outWidth, c.outChannels]);
  addon().conv2d(xv, wv, bv, out.values, geom(c, activation === 'relu', AddMode.None, !recordingGradients()), reusedWeightId(filter.dataId));
  return out.info;
}

/**
 * relu(conv(x) + bias + add): inputs x, filter, bias, add (the output's shape); attrs strides, pad, consumeAdd.
 * consumeAdd: the caller will not read `add` again, so when no other tensor shares its storage the result is
 * written into it (returned under add's data id) — the add as a sum post-op, faster than a binary one (conv.cc).
 */
const convAddRelu: tf.KernelConfig = {
  kernelName: 'ResdetConv2DAddRelu',
  backendName: 'native',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const be = nb(backend);
    const { x, filter, bias, add } = inputs as Record<string, tf.TensorInfo>;
    const [xv, wv, bv, av] = [x, filter, bias, add].map((t) => be.f32(t));
    const c = convInfo(x.shape, filter.shape, attrs as Record<string, unknown>);
    const shape = [c.batchSize, c.outHeight, c.outWidth, c.outChannels];
    if (!xv || !wv || !bv || !av || add.shape.join() !== shape.join() || bias.shape.join() !== String(c.outChannels)) {
      throw new Error('ResdetConv2DAddRelu: float32 x, filter, bias and an add input of the output\'s shape expected');
    }
    const inPlace = attrs?.consumeAdd === true && add.dataId !== x.dataId && be.mayOverwrite(add);
    const out = inPlace ? null : be.allocF32(shape);
    addon().conv2d(xv, wv, bv, out ? out.values : av, geom(c, true, inPlace ? AddMode.InPlace : AddMode.Binary, !recordingGradients()), reusedWeightId(filter.dataId), av);
    if (out) return out.info;
    be.incRef(add.dataId); // the result shares add's storage, as a reshape does
    return { dataId: add.dataId, shape, dtype: 'float32' };
  },
};

const conv2d = nativeKernel('Conv2D', (args) => forward(args, false));
const fusedConv2d = nativeKernel('FusedConv2D', (args) => forward(args, true));

const backpropInput = nativeKernel('Conv2DBackpropInput', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { dy, filter } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as Record<string, unknown>;
  if (!isChannelsLast(a.dataFormat)) return null;
  const dyv = be.f32(dy), wv = be.f32(filter);
  if (!dyv || !wv) return null;
  const inputShape = a.inputShape as number[];
  const c = convInfo(inputShape, filter.shape, { ...a, dilations: 1 });
  const out = be.allocF32(inputShape);
  addon().conv2dBackpropInput(dyv, wv, out.values, geom(c, false));
  return out.info;
});

const backpropFilter = nativeKernel('Conv2DBackpropFilter', ({ inputs, attrs, backend }) => {
  const be = nb(backend);
  const { x, dy } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as Record<string, unknown>;
  if (!isChannelsLast(a.dataFormat)) return null;
  const xv = be.f32(x), dyv = be.f32(dy);
  if (!xv || !dyv) return null;
  const filterShape = a.filterShape as number[];
  const c = convInfo(x.shape, filterShape, { ...a, dilations: 1 });
  const out = be.allocF32(filterShape);
  addon().conv2dBackpropFilter(xv, dyv, out.values, geom(c, false));
  return out.info;
});

export function convKernels(): tf.KernelConfig[] {
  return [conv2d, fusedConv2d, convAddRelu, backpropInput, backpropFilter];
}
