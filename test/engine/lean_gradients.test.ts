/**
 * The backward pass that frees as it goes (engine/grads/lean_gradients.ts) against tfjs's own, in one process:
 * the same gradients bit for bit on a CIFAR ResNet and an FPN detector (training-mode batch norm, RoIAlign,
 * sampling), a lower peak of live tensor bytes, no tensor left behind, and the corner cases of tensor ownership
 * (gradient functions handing back their dy, one tensor for two inputs, a saved tensor, the caller's dy).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { tfjsGradients } from '../../engine/grads/lean_gradients';
import { buildResNet } from '../../backbone/resnet';
import { deepMerge } from '../../run/config';
import { DETECTOR_DEFAULTS, DetectorConfig } from '../../detection/config';
import { buildDetectorModel } from '../../detection/modeling/detector_model';
import { Rng } from '../../engine/rng';
import { addRelu } from '../../engine/ops/add_relu';

beforeAll(async () => {
  await initBackend(process.env.RESDET_TEST_BACKEND ?? 'native');
});

type Grads = { value: tf.Tensor; grads: tf.Tensor[] };
type GradientsFn = (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => Grads;
const engine = () => tf.engine() as unknown as { gradients: GradientsFn };

/** Gradients of `f` w.r.t. `xs` by one implementation: values read back, peak bytes, tensors left behind. */
async function gradientsOf(impl: GradientsFn, f: () => tf.Tensor, xs: tf.Tensor[]) {
  const before = tf.memory().numTensors;
  let value = 0;
  let grads: Float32Array[] = [];
  const info = await tf.profile(() => {
    const r = impl.call(tf.engine(), f, xs, undefined, true);
    value = r.value.dataSync()[0];
    grads = r.grads.map((g) => Float32Array.from(g.dataSync()));
    tf.dispose([r.value, ...r.grads]);
    return [];
  });
  return { value, grads, peakBytes: info.peakBytes, leftOver: tf.memory().numTensors - before };
}

const tinyDetector = (): DetectorConfig =>
  deepMerge(DETECTOR_DEFAULTS, {
    model: {
      type: 'fpn', arch: 'resnet18', widthMultiplier: 0.125, batchNorm: 'train', freezeAt: 0, fpn: { outChannels: 16 },
      rpn: { anchorSizes: [8, 16, 32, 64, 128], preNmsTopNTrain: 100, postNmsTopNTrain: 40, minSize: 0 },
      roiHeads: { resolution: 7, samplingRatio: 2, mlpDim: 32, batchSizePerImage: 16 },
    },
  });

describe('the lean backward pass', () => {
  test('is installed by initBackend', () => {
    expect(tfjsGradients()).not.toBeNull();
    expect(engine().gradients).not.toBe(tfjsGradients());
  });

  test('a CIFAR ResNet-20 in training mode: the same loss and gradients bit for bit, lower peak, nothing left', async () => {
    const net = buildResNet('resnet20', { numClasses: 10 });
    net.train();
    const x = tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const vars = net.trainableParameters().map(([, v]) => v);
    const f = () => tf.losses.softmaxCrossEntropy(labels, net.forward(x)) as tf.Scalar;
    const lean = await gradientsOf(engine().gradients, f, vars);
    const ref = await gradientsOf(tfjsGradients() as GradientsFn, f, vars);
    expect(lean.value).toBe(ref.value);
    expect(lean.grads.length).toBe(vars.length);
    lean.grads.forEach((g, i) => expect(g).toEqual(ref.grads[i]));
    expect(lean.leftOver).toBe(0);
    expect(ref.leftOver).toBe(0);
    expect(lean.peakBytes).toBeLessThan(0.6 * ref.peakBytes); // measured 0.55
    tf.dispose([x, labels]);
    net.dispose();
  });

  test('an FPN detector (RPN and box head losses): the same gradients bit for bit, lower peak', async () => {
    const cfg = tinyDetector();
    const model = buildDetectorModel(cfg.model, 3);
    model.train();
    const x = tf.randomNormal([1, 96, 128, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const targets = [{ boxes: Float32Array.from([5, 5, 40, 42, 28, 12, 88, 58]), labels: Int32Array.from([1, 2]) }];
    const vars = model.trainableParameters().map(([, v]) => v);
    const f = (rng: Rng) => () => model.losses(x, [{ height: 96, width: 128 }], targets, rng).total;
    const lean = await gradientsOf(engine().gradients, f(new Rng(7)), vars);
    const ref = await gradientsOf(tfjsGradients() as GradientsFn, f(new Rng(7)), vars);
    expect(lean.value).toBe(ref.value);
    lean.grads.forEach((g, i) => expect(g).toEqual(ref.grads[i]));
    expect(lean.leftOver).toBe(0);
    expect(lean.peakBytes).toBeLessThan(0.7 * ref.peakBytes); // measured 0.60
    x.dispose();
    model.dispose();
  });

  test('ownership corner cases: a gradient that is its dy, one tensor for two inputs, a saved tensor, the caller dy', () => {
    const a = tf.variable(tf.tensor1d([1, -2, 3]));
    const b = tf.variable(tf.tensor1d([0.5, 0.5, -4]));
    // Identity and Add hand their dy back; addRelu returns one tensor for both inputs; the custom op returns a
    // tensor it saved as its gradient
    const passSaved = tf.customGrad((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const w = tf.mul(x, 2);
      save([w]);
      return { value: tf.mul(x, w), gradFunc: (_dy: tf.Tensor, saved: tf.Tensor[]) => [saved[0]] };
    }) as (x: tf.Tensor) => tf.Tensor;
    const f = () => tf.sum(tf.add(passSaved(tf.add(tf.clone(a), b)), addRelu(a, b)));
    const before = tf.memory().numTensors;
    const dy = tf.scalar(3);
    const lean = engine().gradients(f, [a, b], dy);
    const ref = (tfjsGradients() as GradientsFn).call(tf.engine(), f, [a, b], dy);
    expect(lean.value.dataSync()).toEqual(ref.value.dataSync());
    lean.grads.forEach((g, i) => expect(g.dataSync()).toEqual(ref.grads[i].dataSync()));
    expect(dy.isDisposed).toBe(false);
    expect(Array.from(dy.dataSync())).toEqual([3]);
    tf.dispose([lean.value, ref.value, ...lean.grads, ...ref.grads]);
    expect(tf.memory().numTensors - before).toBe(1); // dy
    tf.dispose([dy, a, b]);
  });

  test('tf.grads inside a recording tape (higher order) still works', () => {
    const x = tf.tensor1d([1.5, -2]);
    const d2 = tf.grad(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.mul(v, v), v))));
    expect(Array.from(d2(x).dataSync())).toEqual([9, -12]);
    x.dispose();
  });
});
