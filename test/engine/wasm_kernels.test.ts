/**
 * resdet's wasm training kernels (engine/kernels/wasm/) against the cpu backend, and the gradients of the
 * ops a conv-net training step uses (wasm's own kernels included) against cpu's.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { conv2dBackpropFilterWasm } from '../../engine/kernels/wasm/conv2d_backprop_filter';
import { WasmBackend } from '../../engine/kernels/wasm/wasm_util';
import { rand, relErr, size } from '../helpers/kernel_parity';

const TOL = 1e-4;



async function use(name: 'cpu' | 'wasm'): Promise<void> {
  await tf.setBackend(name);
  if (name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

/** Runs `f` on `backend` and returns its outputs' values; checks that nothing is left on the backend. */
async function runOn(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await use(backend);
  const before = tf.memory().numTensors;
  const dataIdsBefore = tf.backend().numDataIds();
  const outs = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const vals = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.backend().numDataIds()).toBe(dataIdsBefore);
  return vals;
}

/** Same computation on wasm and cpu, each output within TOL relative. */
async function expectSame(f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const want = await runOn('cpu', f);
  const got = await runOn('wasm', f);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const e = relErr(got[i], want[i]);
    if (!(e <= TOL)) throw new Error(`output ${i}: relative error ${e} > ${TOL}`);
  }
}

type Pad = 'same' | 'valid' | number[][];
interface ConvCase { n: number; h: number; w: number; cin: number; cout: number; k: [number, number]; s: [number, number]; pad: Pad }

const convCases: ConvCase[] = [
  { n: 1, h: 7, w: 9, cin: 3, cout: 5, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 3, h: 9, w: 7, cin: 5, cout: 6, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 3, h: 8, w: 8, cin: 6, cout: 7, k: [3, 3], s: [2, 2], pad: 'valid' },
  { n: 1, h: 9, w: 9, cin: 5, cout: 7, k: [3, 3], s: [1, 1], pad: 'valid' },
  { n: 1, h: 11, w: 13, cin: 3, cout: 10, k: [7, 7], s: [2, 2], pad: 'same' },
  { n: 3, h: 9, w: 11, cin: 6, cout: 5, k: [7, 7], s: [1, 1], pad: 'same' },
  { n: 3, h: 9, w: 9, cin: 7, cout: 5, k: [1, 1], s: [1, 1], pad: 'valid' },
  { n: 1, h: 9, w: 9, cin: 7, cout: 13, k: [1, 1], s: [2, 2], pad: 'same' },
  { n: 3, h: 10, w: 9, cin: 5, cout: 3, k: [3, 3], s: [2, 2], pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  { n: 1, h: 8, w: 7, cin: 4, cout: 6, k: [3, 3], s: [1, 1], pad: [[0, 0], [0, 2], [1, 1], [0, 0]] },
  { n: 1, h: 8, w: 8, cin: 3, cout: 5, k: [1, 1], s: [2, 2], pad: [[0, 0], [1, 1], [1, 2], [0, 0]] },
  { n: 3, h: 10, w: 10, cin: 3, cout: 4, k: [2, 2], s: [2, 2], pad: 'same' },
  { n: 1, h: 13, w: 12, cin: 5, cout: 6, k: [3, 3], s: [3, 3], pad: 'valid' },
  { n: 3, h: 9, w: 10, cin: 2, cout: 3, k: [3, 5], s: [1, 2], pad: 'same' },
];

function convLabel(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad.slice(1, 3));
  return `${c.n}x${c.h}x${c.w}x${c.cin} -> ${c.cout}, ${c.k.join('x')} stride ${c.s.join(',')} pad ${pad}`;
}

function convShapes(c: ConvCase) {
  const xShape: [number, number, number, number] = [c.n, c.h, c.w, c.cin];
  const fShape: [number, number, number, number] = [c.k[0], c.k[1], c.cin, c.cout];
  const info = tf.backend_util.computeConv2DInfo(xShape, fShape, c.s, 1, c.pad as 'same');
  return { xShape, fShape, dyShape: info.outShape as [number, number, number, number] };
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('resdet wasm kernels match cpu', () => {
  test.each(convCases.map((c, i) => [convLabel(c), c, i] as const))('Conv2DBackpropFilter %s', async (_l, c, i) => {
    const { xShape, fShape, dyShape } = convShapes(c);
    const xv = rand(size(xShape), 10 + i);
    const dyv = rand(size(dyShape), 100 + i);
    await expectSame(() => tf.engine().runKernel('Conv2DBackpropFilter',
      { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
      { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: fShape } as unknown as tf.NamedAttrMap) as tf.Tensor);
  });

  test.each(convCases.map((c, i) => [convLabel(c), c, i] as const))('Conv2DBackpropInput %s', async (_l, c, i) => {
    const { xShape, fShape, dyShape } = convShapes(c);
    const fv = rand(size(fShape), 20 + i);
    const dyv = rand(size(dyShape), 200 + i);
    await expectSame(() => tf.engine().runKernel('Conv2DBackpropInput',
      { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(fv, fShape) },
      { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: xShape } as unknown as tf.NamedAttrMap) as tf.Tensor);
  });

  test('Conv2DBackpropFilter split into batch chunks', async () => {
    const c: ConvCase = { n: 5, h: 9, w: 8, cin: 3, cout: 4, k: [3, 3], s: [2, 2], pad: 'same' };
    const { xShape, fShape, dyShape } = convShapes(c);
    const xv = rand(size(xShape), 7);
    const dyv = rand(size(dyShape), 8);
    const [want] = await runOn('cpu', () => tf.engine().runKernel('Conv2DBackpropFilter',
      { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
      { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: fShape } as unknown as tf.NamedAttrMap) as tf.Tensor);
    const [got] = await runOn('wasm', () => {
      const x = tf.tensor4d(xv, xShape);
      const dy = tf.tensor4d(dyv, dyShape);
      const be = tf.backend() as unknown as WasmBackend;
      // room for 2 images' columns: chunks of 2, 2, 1
      const info = conv2dBackpropFilterWasm(be, x, dy, fShape, c.s, c.pad, undefined, 2 * 27 * 5 * 4);
      return tf.engine().makeTensorFromTensorInfo(info);
    });
    expect(relErr(got, want)).toBeLessThanOrEqual(TOL);
  });

  const poolCases: [string, number[], number, number, 'same' | 'valid' | number, boolean][] = [
    ['1x4x4x4 2x2 s2 valid', [1, 4, 4, 4], 2, 2, 'valid', false],
    ['3x9x7x5 3x3 s2 same', [3, 9, 7, 5], 3, 2, 'same', false],
    ['2x8x8x8 3x3 s1 same', [2, 8, 8, 8], 3, 1, 'same', false],
    ['1x11x11x16 3x3 s2 pad 1', [1, 11, 11, 16], 3, 2, 1, false],
    ['3x7x9x3 2x2 s2 same, after relu (ties)', [3, 7, 9, 3], 2, 2, 'same', true],
    ['1x8x8x32 3x3 s2 same, after relu (ties)', [1, 8, 8, 32], 3, 2, 'same', true],
  ];
  test.each(poolCases)('MaxPoolGrad %s', async (_l, shape, k, s, pad, relu) => {
    const xv = rand(size(shape), 60 + k + s + shape[3]);
    await expectSame(() => {
      const x = tf.tensor4d(xv, shape as [number, number, number, number]);
      const pool = (a: tf.Tensor4D) => tf.maxPool(relu ? tf.relu(a) : a, k, s, pad);
      const yShape = pool(x).shape;
      const w = tf.tensor(rand(size(yShape), 61), yShape);
      return tf.grad((a: tf.Tensor4D) => tf.sum(tf.mul(pool(a), w)))(x);
    });
  });

  test('GatherV2 (axes, batchDims 0 and 1, int32)', async () => {
    const xv = rand(3 * 5 * 4 * 6, 70);
    await expectSame(() => {
      const x = tf.tensor4d(xv, [3, 5, 4, 6]);
      const i1 = tf.tensor1d([4, 0, 0, 2, 3, 1, 4], 'int32');
      const i2 = tf.tensor2d([0, 3, 3, 1, 2, 2, 4, 0, 1], [3, 3], 'int32');
      return [
        tf.gather(x, i1, 1),
        tf.gather(x, tf.tensor1d([2, 0, 2], 'int32'), 0),
        tf.gather(x, tf.tensor2d([5, 0, 1, 1], [2, 2], 'int32'), 3),
        tf.gather(x, i2, 1, 1),
        tf.gather(x, tf.tensor2d([3, 0, 1, 1, 2, 2], [3, 2], 'int32'), 2, 1),
        tf.cast(tf.gather(tf.cast(tf.mul(x, 100), 'int32'), i1, 1), 'float32'),
      ];
    });
  });

  test.each([['float32'], ['int32']] as const)('UnsortedSegmentSum %s', async (dtype) => {
    const xv = Array.from(rand(6 * 4 * 3, 3), (v) => (dtype === 'int32' ? Math.round(v * 50) : v));
    await expectSame(() => {
      const x = tf.tensor3d(xv, [6, 4, 3], dtype);
      const ids1 = tf.tensor1d([2, 0, 2, -1, 4, 1], 'int32');
      const ids2 = tf.tensor1d([0, 1, 1, 0, 1, 3], 'int32');
      return [
        tf.cast(tf.unsortedSegmentSum(x, ids1, 5), 'float32'),
        tf.cast(tf.unsortedSegmentSum(tf.reshape(x, [6, 12]), ids2, 4), 'float32'),
      ];
    });
  });

  // wasm's own: a scalar loop for transposed operands; its fused product added the bias to the wrong columns
  // when batched or transposed (relative error 0.2 here)
  test.each([[false, false], [false, true], [true, false], [true, true]])('BatchMatMul and fused MatMul, transposeA %s transposeB %s', async (ta, tb) => {
    const [av, bv, biasv] = [rand(3 * 37 * 29, 81), rand(3 * 29 * 23, 82), rand(23, 83)];
    const operands = () => {
      const a = tf.tensor3d(av, [3, 37, 29]);
      const b = tf.tensor3d(bv, [3, 29, 23]);
      return { a: ta ? tf.transpose(a, [0, 2, 1]) : a, b: tb ? tf.transpose(b, [0, 2, 1]) : b };
    };
    await expectSame(() => {
      const { a, b } = operands();
      const bias = tf.tensor1d(biasv);
      const a2 = tf.tensor2d(av.subarray(0, 37 * 29), [37, 29]);
      const b2 = tf.tensor2d(bv.subarray(0, 29 * 23), [29, 23]);
      const [a2t, b2t] = [ta ? tf.transpose(a2) : a2, tb ? tf.transpose(b2) : b2];
      return [tf.matMul(a, b, ta, tb), tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' }),
        tf.matMul(a2t, b2t, ta, tb), tf.fused.matMul({ a: a2t, b: b2t, transposeA: ta, transposeB: tb, bias, activation: 'leakyrelu', leakyreluAlpha: 0.1 })];
    });
    // on wasm a transposed operand is transposed first and the product runs as the untransposed one (XNNPACK):
    // the very same numbers (wasm's own transposed loop summed in another order)
    await use('wasm');
    tf.tidy(() => {
      const { a, b } = operands();
      const plain = tf.matMul(tf.tensor3d(av, [3, 37, 29]), tf.tensor3d(bv, [3, 29, 23]));
      expect(Array.from(tf.matMul(a, b, ta, tb).dataSync())).toEqual(Array.from(plain.dataSync()));
    });
  });
});

/** Gradients of the ops a conv-net training step uses: wasm (its own kernels and resdet's) vs cpu. */
describe('op gradients match cpu', () => {
  const x4v = rand(3 * 9 * 7 * 5, 41);
  const mv = rand(4 * 7, 42);
  const x4 = () => tf.tensor4d(x4v, [3, 9, 7, 5]);
  const m = () => tf.tensor2d(mv, [4, 7]);
  const g = (f: (a: tf.Tensor) => tf.Tensor, x: () => tf.Tensor) => () => {
    // a weighted sum, so the incoming gradient is not all ones
    const xs = x();
    const w = tf.tensor(rand(size(f(xs).shape), 43), f(xs).shape);
    return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), w)))(xs);
  };
  const ops: [string, () => tf.Tensor | tf.Tensor[]][] = [
    ['conv2d s1 same (dx, dw)', () => tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x4(), tf.tensor4d(rand(3 * 3 * 5 * 6, 44), [3, 3, 5, 6])])],
    ['conv2d s2 valid (dx, dw)', () => tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid'))))([x4(), tf.tensor4d(rand(3 * 3 * 5 * 6, 45), [3, 3, 5, 6])])],
    ['fused conv2d + bias + relu', () => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.square(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 2, pad: 'same', bias: c, activation: 'relu' }))))(
      [x4(), tf.tensor4d(rand(3 * 3 * 5 * 6, 46), [3, 3, 5, 6]), tf.tensor1d(rand(6, 47))])],
    ['maxPool 3x3 s2 same', g((a) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'same'), x4)],
    ['maxPool 2x2 s2 valid', g((a) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), x4)],
    ['avgPool 3x3 s2 same', g((a) => tf.avgPool(a as tf.Tensor4D, 3, 2, 'same'), x4)],
    ['avgPool 2x3 s1,2 valid', g((a) => tf.avgPool(a as tf.Tensor4D, [2, 3], [1, 2], 'valid'), x4)],
    ['mean', g((a) => tf.mean(a, [1, 2]), x4)],
    ['sum', g((a) => tf.sum(a, -1), x4)],
    ['relu', g((a) => tf.relu(a), x4)],
    ['relu6', g((a) => tf.relu6(tf.mul(a, 8)), x4)],
    ['add (broadcast)', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.add(a, b))))([x4(), tf.tensor1d(rand(5, 48))])],
    ['mul (broadcast)', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.mul(a, b))))([x4(), tf.tensor1d(rand(5, 49))])],
    ['pad', g((a) => tf.pad(a, [[0, 0], [1, 2], [1, 1], [0, 0]]), x4)],
    ['gather', g((a) => tf.gather(a, tf.tensor1d([0, 2, 2, 3, 6], 'int32'), 1), m)],
    ['gather batchDims 1', g((a) => tf.gather(a, tf.tensor2d([0, 2, 6, 6, 1, 3, 5, 5], [4, 2], 'int32'), 1, 1), m)],
    ['slice', g((a) => tf.slice(a, [0, 1, 1, 0], [2, 3, 4, 5]), x4)],
    ['concat', g((a) => tf.concat([a, tf.square(a)], 1), m)],
    ['reshape', g((a) => tf.reshape(a, [28]), m)],
    ['transpose', g((a) => tf.transpose(a, [0, 2, 1, 3]), x4)],
    ['matMul', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))))([m(), tf.tensor2d(rand(21, 50), [7, 3])])],
    ['softmax', g((a) => tf.softmax(a), m)],
    ['logSoftmax', g((a) => tf.logSoftmax(a), m)],
    ['softmax cross-entropy', () => tf.grad((a: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([1, 2, 6, 0], 'int32'), 7), a))(m())],
    ['sigmoid', g((a) => tf.sigmoid(a), m)],
    ['sigmoid cross-entropy', () => tf.grad((a: tf.Tensor) => tf.losses.sigmoidCrossEntropy(tf.greater(m(), 0), a))(m())],
    ['abs', g((a) => tf.abs(a), m)],
    ['huber', () => tf.grad((a: tf.Tensor) => tf.losses.huberLoss(tf.zerosLike(a), tf.mul(a, 2)))(m())],
    ['where', () => { const c = tf.greater(m(), 0.2); return tf.grad((a: tf.Tensor) => tf.sum(tf.where(c, tf.square(a), tf.mul(a, 3))))(m()); }],
    ['clipByValue', g((a) => tf.clipByValue(a, -0.5, 0.3), m)],
    ['maximum', g((a) => tf.maximum(a, 0.1), m)],
    ['max', g((a) => tf.max(a, 1), m)],
    ['exp, log, sqrt', g((a) => tf.add(tf.exp(a), tf.sqrt(tf.add(tf.log(tf.add(tf.abs(a), 1)), 1))), m)],
    ['div, sub', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.div(tf.sub(a, b), tf.add(tf.abs(b), 1))))([m(), tf.tensor1d(rand(7, 51))])],
    ['tile', g((a) => tf.tile(a, [2, 3]), m)],
    ['stack, unstack', g((a) => tf.stack(tf.unstack(a).reverse()), m)],
    ['split', g((a) => tf.split(a, [3, 4], 1)[1], m)],
    // (square: tfjs's ResizeBilinearGrad swaps height and width otherwise, on cpu too)
    ['resizeBilinear', g((a) => tf.image.resizeBilinear(a as tf.Tensor4D, [12, 5]), () => tf.tensor4d(x4v.subarray(0, 3 * 7 * 7 * 5), [3, 7, 7, 5]))],
  ];
  test.each(ops)('%s', async (_name, f) => {
    await expectSame(f);
  });
});

describe('a conv net trains the same on wasm and cpu', () => {
  test('tf.grad of conv-relu-maxpool-conv(s2)-avgpool-dense-softmax-CE', async () => {
    const shapes: Record<string, number[]> = {
      x: [3, 15, 13, 3], w1: [3, 3, 3, 6], b1: [6], w2: [3, 3, 6, 10], w3: [1, 1, 10, 5], wd: [5, 4], bd: [4],
    };
    const vals: Record<string, Float32Array> = {};
    Object.keys(shapes).forEach((k, i) => { vals[k] = rand(size(shapes[k]), 300 + i); });
    const net = () => {
      const t: Record<string, tf.Tensor> = {};
      for (const k of Object.keys(shapes)) t[k] = tf.tensor(vals[k], shapes[k]);
      const labels = tf.oneHot(tf.tensor1d([0, 3, 2], 'int32'), 4);
      const loss = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor, wd: tf.Tensor, bd: tf.Tensor) => {
        let h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D;
        h = tf.maxPool(h, 3, 2, 'same');
        h = tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same'));
        h = tf.conv2d(h, w3 as tf.Tensor4D, 1, 'valid');
        const pooled = tf.reshape(tf.avgPool(h, [h.shape[1], h.shape[2]], 1, 'valid'), [3, 5]);
        const logits = tf.add(tf.matMul(pooled as tf.Tensor2D, wd as tf.Tensor2D), bd);
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(loss)([t.x, t.w1, t.b1, t.w2, t.w3, t.wd, t.bd]);
      return [value, ...grads];
    };
    await expectSame(net);
  });
});
