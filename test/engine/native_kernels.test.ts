/**
 * The native backend (engine/native/) against the cpu backend: every native kernel on random inputs,
 * forward and gradient, to 1e-4 relative; a ResNet-20 training run; flat tensor count; the buffer pool
 * never reuses an array a caller still holds. Skipped, with a note, when the addon is not built.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { ROOT } from '../helpers/cli';
import { initBackend } from '../../engine/backend';
import type { NativeBackend } from '../../engine/native/native_backend';
import { batchNormTrain } from '../../engine/ops/batch_norm';
import { addRelu } from '../../engine/ops/add_relu';
import { buildResNet } from '../../backbone/resnet';
import { SGD } from '../../engine/optim/sgd';
import { trainStep } from '../../engine/train_step';
import { rand, relErr, size } from '../helpers/kernel_parity';
import { requires } from '../helpers/requirements';

const maybe = requires('native').describe;

const TOL = 1e-4;

const T = (shape: number[], seed: number) => tf.tensor(rand(size(shape), seed), shape);

async function runOn(backend: 'cpu' | 'native', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const vals = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  expect(tf.memory().numTensors).toBe(before);
  return vals;
}

/** f on native and on cpu: every output within TOL relative (max abs error over max abs value). */
async function same(label: string, f: () => tf.Tensor | tf.Tensor[], tol = TOL): Promise<void> {
  const want = await runOn('cpu', f);
  const got = await runOn('native', f);
  got.forEach((g, i) => {
    const e = relErr(g, want[i]);
    if (!(e <= tol)) throw new Error(`${label}: output ${i} relative error ${e}`);
  });
}

/** The value of f and the gradients of sum(f(...) * r) with respect to every input. */
function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): tf.Tensor[] {
  const y = f(...inputs);
  const r = T(y.shape, seed);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(inputs);
  return [y, ...grads];
}

maybe('native kernels vs cpu', () => {
  beforeAll(async () => {
    await initBackend('cpu');
    await initBackend('native');
  });

  test('Conv2D forward and gradients: strides 1/2, paddings, odd sizes, batch 1 and many', async () => {
    const cases: Array<[number[], number[], number, 'same' | 'valid' | number]> = [
      [[1, 7, 7, 3], [3, 3, 3, 5], 1, 'same'],
      [[4, 9, 9, 8], [3, 3, 8, 16], 2, 'same'],
      [[2, 8, 8, 4], [1, 1, 4, 6], 2, 'valid'],
      [[3, 11, 13, 5], [3, 3, 5, 7], 2, 1],
      [[1, 6, 5, 2], [5, 5, 2, 3], 1, 2],
      [[16, 10, 10, 16], [3, 3, 16, 16], 1, 1],
      [[2, 15, 15, 3], [7, 7, 3, 8], 2, 3],
    ];
    for (const [i, [xs, ws, s, p]] of cases.entries()) {
      await same(`conv ${xs} ${ws} s${s} p${p}`, () =>
        withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, p), [T(xs, i + 1), T(ws, i + 50)], i + 99));
    }
    // the geometry that oneDNN 2.6.3's jit_1x1 kernel got wrong (next test): batch 1, 8 channels, stride 2, even input
    await same('strided 1x1 conv, batch 1, 8 channels', () =>
      withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid'), [T([1, 16, 24, 8], 7), T([1, 1, 8, 16], 8)], 9));
    await same('dilated conv', () => tf.conv2d(T([2, 9, 9, 3], 3) as tf.Tensor4D, T([3, 3, 3, 4], 4) as tf.Tensor4D, 1, 'same', 'NHWC', 2));
  });

  test("strided 1x1 backward-weights never runs oneDNN 2.6.3's jit_1x1 kernel, which writes past its scratchpad", () => {
    // Found with guard pages around every buffer: for batch 1, 8 input channels, a 16x24 input and stride 2 that
    // kernel writes past the end of its 7,424-byte scratchpad (the heap corruption that crashed fpn_v2 tests).
    const script = `require(${JSON.stringify(path.join(ROOT, 'dist', 'engine', 'backend'))}).initBackend('native').then(() => {
      const tf = require('@tensorflow/tfjs');
      const g = tf.grad((w) => tf.conv2d(tf.ones([1, 16, 24, 8]), w, 2, 'valid').sum())(tf.ones([1, 1, 8, 16]));
      console.log('sum', g.sum().dataSync()[0]);
    });`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ONEDNN_VERBOSE: '1' } });
    expect(r.status).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes('backward_weights') && l.includes('mb1_ic8oc16_ih16oh8kh1sh2'));
    expect(line).toBeDefined();
    expect(line).not.toMatch(/jit_1x1/);
    expect(r.stdout).toContain(`sum ${8 * 16 * 8 * 12}`); // every weight's gradient: the 8x12 sampled ones
  });

  test('FusedConv2D with bias and ReLU, forward and gradients', async () => {
    for (const [i, s] of [1, 2].entries()) {
      await same(`fused conv s${s}`, () =>
        withGrads((x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: s, pad: 'same', bias: b, activation: 'relu' }),
          [T([3, 8, 7, 4], i + 5), T([3, 3, 4, 6], i + 6), T([6], i + 7)], i + 8));
    }
  });

  test('ResdetConv2DAddRelu: relu(conv(x) + bias + add) in one convolution, 1x1 and 3x3, strides 1/2, batches 1/3', async () => {
    const cases: Array<[number[], number[], number, number]> = [
      [[1, 14, 14, 16], [1, 1, 16, 64], 1, 0],
      [[3, 9, 11, 5], [3, 3, 5, 7], 1, 1],
      [[2, 10, 9, 8], [3, 3, 8, 12], 2, 1],
    ];
    for (const [i, [xs, ws, s, p]] of cases.entries()) {
      const c = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], ws as [number, number, number, number], s, 1, p);
      const outShape = [c.batchSize, c.outHeight, c.outWidth, c.outChannels];
      await same(`conv + add + relu ${xs} ${ws} s${s}`, () => {
        const [x, w, b, add] = [T(xs, i + 1) as tf.Tensor4D, T(ws, i + 2) as tf.Tensor4D, T([ws[3]], i + 3) as tf.Tensor1D, T(outShape, i + 4)];
        if (tf.getBackend() !== 'native') return tf.relu(tf.add(tf.fused.conv2d({ x, filter: w, bias: b, strides: s, pad: p }), add));
        return tf.engine().runKernel('ResdetConv2DAddRelu', { x, filter: w, bias: b, add }, { strides: s, pad: p }) as tf.Tensor;
      });
    }
  });

  test('ResdetConv2DAddRelu with consumeAdd writes into the add input\'s array only when nothing else can see it', async () => {
    await tf.setBackend('native');
    const before = tf.memory().numTensors;
    // arrays of at least 4096 elements (smaller ones are not pooled, so never written in place)
    const [xs, ws] = [[2, 7, 9, 16], [1, 1, 16, 64]];
    const [x, w, b] = [T(xs, 1) as tf.Tensor4D, T(ws, 2) as tf.Tensor4D, T([64], 3) as tf.Tensor1D];
    const want = tf.tidy(() => Float32Array.from(tf.relu(tf.add(tf.fused.conv2d({ x, filter: w, bias: b, strides: 1, pad: 0 }), T([2, 7, 9, 64], 4))).dataSync()));
    const fresh = () => tf.tidy(() => tf.add(T([2, 7, 9, 64], 4), 0)); // an array of the pool no caller has seen
    const addValues = tf.tidy(() => Float32Array.from(T([2, 7, 9, 64], 4).dataSync()));
    const run = (add: tf.Tensor) =>
      tf.engine().runKernel('ResdetConv2DAddRelu', { x, filter: w, bias: b, add }, { strides: 1, pad: 0, consumeAdd: true }) as tf.Tensor;
    // in place: the result is the add input's data, with the values of the separate path
    const add = fresh();
    const y = run(add);
    expect(y.dataId).toBe(add.dataId);
    add.dispose();
    expect(relErr(y.dataSync() as Float32Array, want)).toBeLessThan(1e-5);
    y.dispose();
    // refused — a new array, the add input unchanged — when another tensor shares the data (not read out before),
    // when the add input was read out, when it is the convolution's own input
    const shared = fresh();
    const view = tf.reshape(shared, [2, 63, 64]);
    const read = fresh();
    read.dataSync();
    for (const a of [shared, read]) {
      const r = run(a);
      expect(r.dataId).not.toBe(a.dataId);
      expect(relErr(r.dataSync() as Float32Array, want)).toBeLessThan(1e-5);
      expect(Array.from(a.dataSync())).toEqual(Array.from(addValues));
      r.dispose();
    }
    const square = tf.tidy(() => tf.add(T([1, 9, 8, 64], 6), 0)) as tf.Tensor4D;
    const w64 = T([1, 1, 64, 64], 7) as tf.Tensor4D;
    const own = tf.engine().runKernel('ResdetConv2DAddRelu', { x: square, filter: w64, bias: b, add: square }, { strides: 1, pad: 0, consumeAdd: true }) as tf.Tensor;
    expect(own.dataId).not.toBe(square.dataId);
    const ownWant = tf.tidy(() => tf.relu(tf.add(tf.fused.conv2d({ x: square, filter: w64, bias: b, strides: 1, pad: 0 }), square)));
    expect(relErr(own.dataSync() as Float32Array, ownWant.dataSync() as Float32Array)).toBeLessThan(1e-5);
    tf.dispose([shared, view, read, square, w64, own, ownWant, x, w, b]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('eval-mode ResNets: every block but a stage\'s first identity block sums into its shortcut; the caller\'s input is never written', async () => {
    await tf.setBackend('native');
    const be = tf.backend() as unknown as NativeBackend;
    // inputs large enough for every block's output to be a pooled array (4096 elements or more)
    for (const [arch, inPlace, side] of [['resnet50', 16, 64], ['resnet18', 7, 128]] as Array<[string, number, number]>) {
      const net = buildResNet(arch, { numClasses: 10, widthMultiplier: 0.5 });
      net.eval();
      const x = T([1, side, side, 3], 5) as tf.Tensor4D;
      const xValues = Float32Array.from(x.dataSync());
      const spy = jest.spyOn(be, 'mayOverwrite');
      const y = net.classify(x);
      // ResNet-50: 4 projection blocks and 12 blocks after a stage's first; ResNet-18: 3 projections and 4 second
      // blocks — not layer1's first, an identity block whose input (the stem's output) the stage does not own
      expect(spy.mock.results.filter((r) => r.value === true).length).toBe(inPlace);
      spy.mockRestore();
      expect(Array.from(x.dataSync())).toEqual(Array.from(xValues));
      const again = net.classify(x);
      expect(Array.from(again.dataSync())).toEqual(Array.from(y.dataSync()));
      tf.dispose([x, y, again]);
      net.dispose();
    }
  });

  test('eval-mode ResNet-18 and ResNet-50 end their blocks with ResdetConv2DAddRelu and match cpu', async () => {
    for (const arch of ['resnet18', 'resnet50']) {
      await tf.setBackend('native');
      const net = buildResNet(arch, { numClasses: 10 });
      net.eval();
      const x = T([1, 32, 32, 3], 5) as tf.Tensor4D;
      const prof = await tf.profile(() => net.classify(x));
      expect(prof.kernelNames).toContain('ResdetConv2DAddRelu');
      expect(prof.kernelNames).not.toContain('ResdetAddRelu');
      tf.dispose([x, prof.result as tf.Tensor]);
      await same(`${arch} eval logits`, () => net.classify(T([1, 32, 32, 3], 5) as tf.Tensor4D));
      net.dispose();
    }
  });

  test('ResdetSgdStep: SGD updates identical bit for bit to the tfjs-op path (momentum, Nesterov, weight decay, no-decay names)', async () => {
    await tf.setBackend('native');
    const kernel = tf.getKernel('ResdetSgdStep', 'native') as tf.KernelConfig;
    const run = (opts: ConstructorParameters<typeof SGD>[0], fused: boolean): Float32Array[] => {
      if (!fused) tf.unregisterKernel('ResdetSgdStep', 'native');
      try {
        const params: Array<[string, tf.Variable]> = tf.tidy(() => [['w', tf.variable(T([40000], 1))], ['bn.bias', tf.variable(T([7], 2))]]);
        const opt = new SGD(opts);
        for (let step = 0; step < 3; step++) {
          const grads = { w: T([40000], 10 + step), 'bn.bias': T([7], 20 + step) };
          opt.step(params, grads, 0.1 / (step + 1));
          tf.dispose(Object.values(grads));
        }
        const out = [...params.map(([, v]) => Float32Array.from(v.dataSync())), ...[...opt.state().values()].map((b) => Float32Array.from(b.dataSync()))];
        opt.dispose();
        params.forEach(([, v]) => v.dispose());
        return out;
      } finally {
        if (!fused) tf.registerKernel(kernel);
      }
    };
    const cases: Array<ConstructorParameters<typeof SGD>[0]> = [
      {}, { momentum: 0.9 }, { momentum: 0.9, weightDecay: 1e-4 }, { momentum: 0.9, nesterov: true, weightDecay: 5e-4, noDecay: (n: string) => n.startsWith('bn.') },
    ];
    for (const opts of cases) {
      const before = tf.memory().numTensors;
      const [fused, ops] = [run(opts, true), run(opts, false)];
      expect(fused.length).toBe(opts?.momentum ? 4 : 2);
      const differing = fused.map((v, i) => v.filter((x, j) => x !== ops[i][j]).length);
      expect({ opts: JSON.stringify(opts), differing }).toEqual({ opts: JSON.stringify(opts), differing: fused.map(() => 0) });
      expect(tf.memory().numTensors).toBe(before);
    }
    const [p, g, o] = [tf.tidy(() => tf.variable(T([10], 3))), T([10], 4), new SGD({ momentum: 0.9, weightDecay: 1e-4 })];
    const prof = await tf.profile(() => {
      o.step([['p', p]], { p: g }, 0.1);
      return [];
    });
    expect(prof.kernelNames).toEqual(['ResdetSgdStep']);
    tf.dispose([p, g]);
    o.dispose();
  });

  test('MatMul / BatchMatMul / _FusedMatMul: transposes, batches, broadcast, gradients', async () => {
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[5, 7], [7, 3], false, false],
      [[7, 5], [7, 3], true, false],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [3, 7], true, true],
      [[4, 5, 7], [4, 7, 3], false, false],
      [[4, 5, 7], [7, 3], false, false],
      [[128, 64], [64, 10], false, false],
    ];
    for (const [i, [as, bs, ta, tb]] of cases.entries()) {
      // tfjs has no gradient for a broadcast batch: forward only there
      const broadcast = as.length !== bs.length;
      await same(`matmul ${as} ${bs} ${ta} ${tb}`, () => broadcast
        ? tf.matMul(T(as, i + 10), T(bs, i + 20), ta, tb)
        : withGrads((a, b) => tf.matMul(a, b, ta, tb), [T(as, i + 10), T(bs, i + 20)], i + 30));
    }
    await same('fused matmul', () =>
      withGrads((a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }),
        [T([6, 9], 1), T([9, 4], 2), T([4], 3)], 4));
  });

  test('batch norm in training (ResdetBatchNormTrain / Grad): 4-D and 2-D, odd sizes', async () => {
    for (const [i, shape] of [[1, 3, 5, 7], [8, 6, 6, 16], [13, 5], [2, 17, 9, 3]].entries()) {
      const C = shape[shape.length - 1];
      await same(`batch norm ${shape}`, () => {
        const x = tf.add(tf.mul(T(shape, i + 1), 3), 0.5);
        const out = batchNormTrain(x, tf.add(T([C], i + 2), 1.5) as tf.Tensor1D, T([C], i + 3) as tf.Tensor1D, 1e-5);
        const g = withGrads((a, s, o) => batchNormTrain(a, s as tf.Tensor1D, o as tf.Tensor1D, 1e-5).y,
          [x, tf.add(T([C], i + 2), 1.5), T([C], i + 3)], i + 4);
        return [out.y, out.mean, out.variance, ...g];
      });
      await same(`batch norm + relu ${shape}`, () =>
        withGrads((a, s, o) => batchNormTrain(a, s as tf.Tensor1D, o as tf.Tensor1D, 1e-5, true).y,
          [tf.add(tf.mul(T(shape, i + 1), 3), 0.5), tf.add(T([C], i + 2), 1.5), T([C], i + 3)], i + 4));
    }
  });

  test('element-wise binary ops with broadcasting, and their gradients', async () => {
    const shapes: Array<[number[], number[]]> = [
      [[4, 5, 6], [4, 5, 6]], [[4, 5, 6], [6]], [[4, 1, 6], [5, 1]], [[3, 4], []], [[], [2, 3]],
      [[16, 16, 16, 8], [8]], [[9, 33, 31, 5], [9, 33, 31, 5]],
    ];
    const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
      ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5))],
      ['maximum', tf.maximum], ['minimum', tf.minimum], ['squaredDifference', tf.squaredDifference],
    ];
    for (const [i, [as, bs]] of shapes.entries()) {
      for (const [name, op] of ops) {
        // tfjs's Maximum / Minimum / SquaredDifference gradients do not reduce over broadcast axes: forward only there
        const fwdOnly = ['maximum', 'minimum', 'squaredDifference'].includes(name) && as.join() !== bs.join();
        await same(`${name} ${as} ${bs}`, () => fwdOnly ? op(T(as, i + 1), T(bs, i + 2))
          : withGrads(op, [T(as, i + 1), T(bs, i + 2)], i + 3));
      }
    }
  });

  test('unary ops (Relu, Step via ReLU gradient, Exp, Log, ...), small and large; add + ReLU; AddN', async () => {
    const ops: Array<[string, (x: tf.Tensor) => tf.Tensor]> = [
      ['relu', tf.relu], ['relu6', (x) => tf.relu6(tf.mul(x, 8))], ['neg', tf.neg], ['exp', tf.exp],
      ['log', (x) => tf.log(tf.add(tf.abs(x), 0.1))], ['sqrt', (x) => tf.sqrt(tf.add(tf.abs(x), 0.1))],
      ['rsqrt', (x) => tf.rsqrt(tf.add(tf.abs(x), 0.1))], ['square', tf.square], ['abs', tf.abs],
      ['sigmoid', tf.sigmoid], ['tanh', tf.tanh], ['reciprocal', (x) => tf.reciprocal(tf.add(tf.abs(x), 0.5))],
      ['step', (x) => tf.step(x, 0.3)],
    ];
    for (const [i, shape] of [[7, 5], [33, 41, 29]].entries()) {
      for (const [name, op] of ops) {
        await same(`${name} ${shape}`, () => (name === 'step' ? op(T(shape, i)) : withGrads(op, [T(shape, i + 1)], i + 2)));
      }
    }
    for (const [i, shape] of [[3, 5], [16, 9, 9, 32]].entries()) {
      await same(`addRelu ${shape}`, () => withGrads((a, b) => addRelu(a, b), [T(shape, i + 4), T(shape, i + 5)], i + 6));
    }
    await same('addN', () => tf.addN([T([40, 1000], 1), T([40, 1000], 2), T([40, 1000], 3)]));
  });

  test('reductions Sum / Mean / Max / Min over axes, keepDims, non-contiguous axes (cpu fallback)', async () => {
    const x = () => T([6, 7, 9, 5], 3);
    const axesList: Array<number | number[] | undefined> = [undefined, 0, 3, [1, 2], [0, 1, 2], [1, 3], -1];
    for (const axes of axesList) {
      for (const keep of [false, true]) {
        await same(`reduce ${axes} ${keep}`, () => [
          tf.sum(x(), axes, keep), tf.mean(x(), axes, keep), tf.max(x(), axes, keep), tf.min(x(), axes, keep),
        ]);
      }
    }
    await same('mean gradient', () => withGrads((a) => tf.mean(a, [1, 2]), [T([128, 8, 8, 64], 5)], 6));
    await same('large column sum', () => tf.sum(T([4096, 64], 9), 0));
  });

  test('MaxPool / AvgPool forward and gradients: strides, paddings, odd sizes', async () => {
    const cases: Array<[number[], number, number, 'same' | 'valid' | number]> = [
      [[1, 7, 7, 3], 3, 2, 'same'], [[4, 9, 8, 5], 2, 2, 'valid'], [[2, 11, 13, 4], 3, 2, 1], [[3, 6, 6, 8], 3, 1, 'same'],
    ];
    for (const [i, [xs, k, s, p]] of cases.entries()) {
      await same(`maxPool ${xs} k${k} s${s} p${p}`, () => withGrads((x) => tf.maxPool(x as tf.Tensor4D, k, s, p), [T(xs, i + 1)], i + 2));
      await same(`avgPool ${xs} k${k} s${s} p${p}`, () => withGrads((x) => tf.avgPool(x as tf.Tensor4D, k, s, p), [T(xs, i + 3)], i + 4));
    }
  });

  test('buffer pool: reuses disposed outputs, never an array a caller still holds', async () => {
    await tf.setBackend('native');
    const be = tf.backend() as unknown as NativeBackend;
    const n = [64, 128];
    const a = tf.relu(T(n, 1));
    a.dispose();
    const hits = be.pool.hits;
    const b = tf.relu(T(n, 2));
    expect(be.pool.hits).toBe(hits + 1); // a's array came back
    const held = b.dataSync();
    const copy = held.slice();
    b.dispose();
    const c = tf.relu(T(n, 3));
    const d = tf.neg(T(n, 4));
    expect(Array.from(held)).toEqual(Array.from(copy));
    // a view shared by another tensor (a slice of a whole tensor) is not reused either
    const e = tf.relu(T(n, 5));
    const whole = tf.slice(e, [0, 0], n);
    const wholeCopy = whole.dataSync().slice();
    e.dispose();
    const f = tf.neg(T(n, 6));
    expect(Array.from(whole.dataSync())).toEqual(Array.from(wholeCopy));
    tf.dispose([c, d, whole, f]);
  });
});

maybe('native training', () => {
  // ResNet-20's depth at a quarter of its width on 8x8 inputs, so that the cpu reference takes seconds
  test('ResNet-20: 30 SGD steps on native follow the cpu loss curve; tensor count flat', async () => {
    const batch = 6;
    const x = rand(batch * 8 * 8 * 3, 7);
    const labels = Array.from({ length: batch }, (_, i) => (i * 7) % 10);
    let init: Map<string, { shape: number[]; data: Float32Array }> | null = null;
    const curves: Record<string, number[]> = {};
    for (const backend of ['cpu', 'native'] as const) {
      await initBackend(backend);
      const model = buildResNet('resnet20', { widthMultiplier: 0.25 });
      if (!init) init = new Map([...model.stateDict()].map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.dataSync()) }]));
      else model.loadStateDict(init);
      const xs = tf.tensor4d(x, [batch, 8, 8, 3]);
      const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const opt = new SGD({ momentum: 0.9, weightDecay: 1e-4 });
      const params = model.trainableParameters();
      const losses: number[] = [];
      let count = 0;
      for (let s = 0; s < 30; s++) {
        const r = trainStep(params, () => ({ total: tf.losses.softmaxCrossEntropy(ys, model.forward(xs)) as tf.Scalar }), opt, 0.05);
        losses.push(r.loss);
        if (s === 1) count = tf.memory().numTensors;
        if (s > 1) expect(tf.memory().numTensors).toBe(count);
      }
      curves[backend] = losses;
      tf.dispose([xs, ys]);
      opt.dispose();
      model.dispose();
    }
    const [cpu, native] = [curves.cpu, curves.native];
    for (let s = 0; s < 30; s++) {
      const tol = s < 5 ? 1e-3 : 2e-2;
      expect(Math.abs(native[s] - cpu[s]) / Math.max(cpu[s], 1e-3)).toBeLessThan(tol);
    }
    expect(native[29]).toBeLessThan(native[0] * 0.5); // it learns
  });
});
