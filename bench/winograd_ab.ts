/**
 * Winograd against direct convolutions for inference on the native backend, measured inside one run: the addon's
 * switch (setConvWinograd) flips between alternating blocks of forward passes of the same model, so that the VM's
 * slow spells fall on both variants alike (separate runs move by ±10 % on this project's 2-core VMs). Three
 * workloads: ResNet-50 classification of one 224x224 image, and the inference of the R50-FPN and R50-C4 detectors
 * at 600x800 with 1000 proposals (random weights, calibrated batch norm, as `resdet bench --mode infer` builds them).
 * For each: the median ms of each variant and the mean of the blocks' ratios (Winograd / direct, each Winograd
 * block against the direct block after it) with a 95 % interval.
 *
 *   npx tsc -p . && node dist/bench/winograd_ab.js [--pairs 8] [--block 5] [--block-resnet 20] [--only resnet50,fpn,c4]
 *     [--json out.json]
 *
 * --block: passes per block for the detectors; --block-resnet for ResNet-50 (a 28 ms pass needs longer blocks).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, backendChoice } from '../engine/backend';
import { nativeAddon } from '../engine/native/addon';
import { buildResNet } from '../backbone/resnet';
import { loadDetectorConfig } from '../bin/commands/train';
import { benchInference, timeSteps } from '../detection/detector_bench';
import { median, meanInterval } from './detector_timing';
import { calibrateBatchNorm } from './calibrate_classifier';
import { arg } from './cli_arg';

const PAIRS = Number(arg('pairs', '8'));
const DETECTOR_BLOCK = Number(arg('block', '5'));
const RESNET_BLOCK = Number(arg('block-resnet', '20'));
const ONLY = arg('only', 'resnet50,fpn,c4').split(',');
const DETECTORS: Record<string, string> = { fpn: 'configs/faster_rcnn_R_50_FPN_coco.yaml', c4: 'configs/faster_rcnn_R_50_C4_voc0712.yaml' };

interface Result {
  workload: string;
  block: number;
  winograd_ms: number;
  direct_ms: number;
  ratio_mean: number;
  ratio_ci95: number;
  pairs: number;
}

/** Winograd in even blocks of `block` passes, direct in odd ones. */
const winogradAt = (step: number, block: number) => Math.floor(step / block) % 2 === 0;
/** Switches the addon before each timed pass. */
const switcher = (block: number) => (step: number) => nativeAddon()!.setConvWinograd(winogradAt(step, block));

/** Block medians (the first pass of each block, which follows the switch, left out) and the pairs' ratios. */
function summarise(workload: string, ms: number[], block: number): Result {
  const kept = (b: number) => ms.slice(b * block + 1, (b + 1) * block);
  const blocks = Array.from({ length: 2 * PAIRS }, (_, b) => median(kept(b)));
  const { mean, half } = meanInterval(Array.from({ length: PAIRS }, (_, p) => blocks[2 * p] / blocks[2 * p + 1]));
  const variant = (parity: number) => median(Array.from({ length: PAIRS }, (_, p) => kept(2 * p + parity)).flat());
  return { workload, block, pairs: PAIRS, winograd_ms: variant(0), direct_ms: variant(1), ratio_mean: mean, ratio_ci95: half };
}

function resnet50(block: number): number[] {
  const model = buildResNet('resnet50');
  const x = tf.randomNormal([1, 224, 224, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  calibrateBatchNorm(model, x);
  const run = () => {
    const y = model.classify(x);
    y.dataSync();
    y.dispose();
  };
  const ms = timeSteps(run, 2 * PAIRS * block, 4, switcher(block));
  tf.dispose(x);
  model.dispose();
  return ms;
}

async function detector(config: string, block: number): Promise<number[]> {
  const cfg = loadDetectorConfig(config, [], { backend: 'native' });
  const r = await benchInference(cfg, 81, { height: 600, width: 800 }, 1000, 2 * PAIRS * block, 2, { batchNorm: 'config', beforeStep: switcher(block) });
  return r.ms;
}

async function main(): Promise<void> {
  await initBackend('native');
  if (!nativeAddon()) throw new Error('winograd_ab needs the native backend (npm run build:native)');
  const load = os.loadavg();
  console.log(`Winograd / direct convolutions at inference, ${backendChoice()?.reason ?? 'native'}, ${PAIRS} pairs of blocks (load average ${load.map((l) => l.toFixed(2)).join(' ')})`);
  const results: Result[] = [];
  for (const w of ONLY) {
    const block = w === 'resnet50' ? RESNET_BLOCK : DETECTOR_BLOCK;
    const ms = w === 'resnet50' ? resnet50(block) : await detector(DETECTORS[w], block);
    const r = summarise(w, ms, block);
    results.push(r);
    console.log(`  ${w.padEnd(9)} Winograd ${r.winograd_ms.toFixed(1)} ms, direct ${r.direct_ms.toFixed(1)} ms; ratio ${r.ratio_mean.toFixed(3)} ± ${r.ratio_ci95.toFixed(3)} (blocks of ${r.block})`);
  }
  nativeAddon()!.setConvWinograd(true);
  const json = arg('json', '');
  if (json) fs.writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0]?.model, load, results }, null, 2));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
