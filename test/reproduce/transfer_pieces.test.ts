/**
 * The pieces the transfer comparison stands on: Fashion-MNIST items resampled like PyTorch's bilinear
 * interpolation, a grey conv1 moved to RGB, and the user's path — a classifier checkpoint named as a detector's
 * model.pretrained puts exactly its weights into the detector's backbone.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend';
import { resizeBilinear } from '../../datasets/classification/resized';
import { greyFilterToRgb } from '../../backbone/grey_to_rgb';
import { trainClassifier } from '../../backbone/classifier/train';
import { buildDetectorModel } from '../../detection/modeling/detector_model';
import { readTorchLayoutTensors, resolveCheckpoint } from '../../run/checkpoint';
import { fromTorchLayout, toTorchLayout } from '../../engine/torch_layout';
import { Rng } from '../../engine/rng';
import { detectorConfig, detectorSets, pretrainConfig, pretrainSets, TransferBudget } from '../../reproduce/transfer_configs';
import { variantSpec } from '../../reproduce/transfer_variants';
import { transferVerdict } from '../../reproduce/transfer_verdict';
import { TransferResults } from '../../reproduce/transfer_results';
import { requires } from '../helpers/requirements';

const gate = requires('native');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-transfer-pieces-'));
beforeAll(async () => {
  if (gate.why) return; // the tests below skip (or fail under RESDET_REQUIRE_ALL) on their own
  await initBackend('native');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

requires('torch', 'native').test('28x28 → 64x64 bilinear resampling agrees with torch.nn.functional.interpolate (align_corners=False)', () => {
  const rng = new Rng(3);
  const px = Uint8Array.from({ length: 28 * 28 }, () => rng.int(256));
  const script = [
    'import sys, json, torch',
    'x = torch.tensor(json.load(sys.stdin), dtype=torch.float32).reshape(1, 1, 28, 28)',
    "y = torch.nn.functional.interpolate(x, size=(64, 64), mode='bilinear', align_corners=False)",
    'print(json.dumps(y.flatten().tolist()))',
  ].join('\n');
  const py = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(Array.from(px)), encoding: 'utf8' });
  expect(py.stderr).toBe('');
  const ref: number[] = JSON.parse(py.stdout);
  const ours = resizeBilinear(px, 28, 28, 1, 64);
  // ours is rounded to uint8; torch's float result rounds to the same byte (0.5 ties aside)
  const off = ref.map((v, i) => Math.abs(Math.round(v) - ours[i]));
  expect(Math.max(...off)).toBeLessThanOrEqual(1);
  expect(off.filter((d) => d > 0).length).toBeLessThan(10);
});

gate.test('a grey conv1 repeated over RGB / 3 gives the grey response on a grey RGB image', () => {
  const rng = new Rng(5);
  const grey = Float32Array.from({ length: 4 * 1 * 3 * 3 }, () => rng.next() - 0.5); // OIHW [4,1,3,3]
  const rgb = greyFilterToRgb({ shape: [4, 1, 3, 3], data: grey });
  expect(rgb.shape).toEqual([4, 3, 3, 3]);
  const img = tf.randomUniform([1, 9, 9, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  const hwio = (t: { shape: number[]; data: Float32Array }) => { const h = fromTorchLayout(t); return tf.tensor4d(h.data, h.shape as [number, number, number, number]); };
  const [a, b] = tf.tidy(() => [tf.conv2d(img, hwio({ shape: [4, 1, 3, 3], data: grey }), 1, 'same'), tf.conv2d(tf.concat([img, img, img], 3), hwio(rgb), 1, 'same')]);
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  expect(d).toBeLessThan(1e-5);
  tf.dispose([img, a, b]);
});

gate.test('classifier checkpoint → detector model.pretrained: the backbone holds exactly the classifier weights', async () => {
  const budget: TransferBudget = { width: 0.25, dataDir: null, pretrainEpochs: 1, pretrainImages: 64, iters: 10, trainCanvases: 4, testCanvases: 4, sets: [] };
  const folder = path.join(tmp, 'pretrain', 'resnet18');
  const pcfg = pretrainConfig([...pretrainSets('resnet18', budget), 'data.testLimit=16', 'solver.batchSize=32']);
  await trainClassifier(pcfg, { out: folder, quiet: true });
  const cfg = detectorConfig(detectorSets(variantSpec('resnet18-pretrained'), 0, folder, tmp, budget));
  expect(cfg.model.pretrained).toBe(folder);
  const det = buildDetectorModel(cfg.model, 10);
  await det.loadBackboneWeights(cfg.model.pretrained!);
  const file = await readTorchLayoutTensors(resolveCheckpoint(folder).model); // resdet layout
  const state = det.stateDict();
  let compared = 0;
  for (const [name, t] of file) {
    if (name.startsWith('fc.') || name.endsWith('num_batches_tracked')) continue;
    const mine = state.get(`backbone.body.${name}`)!;
    expect(mine).toBeDefined();
    let want = t;
    if (name === 'conv1.weight') {
      expect(t.shape[2]).toBe(1); // trained on grey items
      want = fromTorchLayout(greyFilterToRgb(toTorchLayout(t)));
    }
    expect(mine.shape).toEqual(want.shape);
    const got = mine.dataSync() as Float32Array;
    expect(Array.from(got)).toEqual(Array.from(want.data));
    compared++;
  }
  expect(compared).toBeGreaterThan(60); // 20 convs, 20 BNs x 4 tensors, downsample layers
  det.dispose();
});

gate.test('the verdict says what the numbers say', () => {
  const run = (name: string, seed: number, map: number, ap: number) => ({ name, seed, final: { voc07_map50: map, coco_ap: ap, coco_ap50: map, coco_ap_small: -1, coco_ap_medium: ap, coco_ap_large: ap }, curve: [], seconds: 1, command: '', run: '' });
  const base = { claim: 'transfer', pretraining: [{ arch: 'resnet18', top1: 0.9 }, { arch: 'plain18', top1: 0.85 }] } as unknown as TransferResults;
  const holds = { ...base, runs: [run('resnet18-scratch', 0, 0.5, 0.3), run('resnet18-scratch', 1, 0.52, 0.31), run('resnet18-pretrained', 0, 0.6, 0.4), run('resnet18-pretrained', 1, 0.62, 0.41), run('plain18-pretrained', 0, 0.55, 0.35)] } as TransferResults;
  expect(transferVerdict(holds)).toMatch(/^The transfer gain holds at this budget: ResNet-18 pretrained 0.610 vs from scratch 0.510 VOC07 mAP@0.5 \(\+10.0 points\), COCO AP 0.405 vs 0.305 \(\+33% relative\)/);
  expect(transferVerdict(holds)).toMatch(/the better classifier gives the better detector/);
  const overlap = { ...base, runs: [run('resnet18-scratch', 0, 0.5, 0.3), run('resnet18-scratch', 1, 0.7, 0.5), run('resnet18-pretrained', 0, 0.6, 0.4), run('resnet18-pretrained', 1, 0.62, 0.41)] } as TransferResults;
  expect(transferVerdict(overlap)).toMatch(/^The transfer gain is not clear at this budget: .* the seeds overlap/);
  const fails = { ...base, runs: [run('resnet18-scratch', 0, 0.7, 0.5), run('resnet18-pretrained', 0, 0.6, 0.4)] } as TransferResults;
  expect(transferVerdict(fails)).toMatch(/^The transfer gain does not hold at this budget/);
});
