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
import { median } from './detector_timing';
import { calibrateBatchNorm } from './calibrate_classifier';
import { arg } from './cli_arg';

const PAIRS = Number(arg('pairs', '8'));
const DETECTOR_BLOCK = Number(arg('block', '5'));
const RESNET_BLOCK = Number(arg('block-resnet', '20'));
/** passes per block of the workload being measured */
let BLOCK = DETECTOR_BLOCK;
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

/** Winograd in even blocks, direct in odd ones; the first step of each block is left out (it follows the switch). */
const winogradAt = (step: number) => Math.floor(step / BLOCK) % 2 === 0;
const steps = () => 2 * PAIRS * BLOCK;

function summarise(workload: string, ms: number[]): Result {
  const blocks = Array.from({ length: 2 * PAIRS }, (_, b) => median(ms.slice(b * BLOCK + 1, (b + 1) * BLOCK)));
  const ratios = Array.from({ length: PAIRS }, (_, p) => blocks[2 * p] / blocks[2 * p + 1]);
  const mean = ratios.reduce((a, b) => a + b, 0) / PAIRS;
  const sd = Math.sqrt(ratios.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, PAIRS - 1));
  return {
    workload, block: BLOCK, pairs: PAIRS,
    winograd_ms: median(ms.filter((_, i) => winogradAt(i))), direct_ms: median(ms.filter((_, i) => !winogradAt(i))),
    ratio_mean: mean, ratio_ci95: (1.96 * sd) / Math.sqrt(PAIRS),
  };
}

function switchAt(step: number): void {
  nativeAddon()!.setConvWinograd(winogradAt(step));
}

function resnet50(): number[] {
  BLOCK = RESNET_BLOCK;
  const model = buildResNet('resnet50');
  const x = tf.randomNormal([1, 224, 224, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  calibrateBatchNorm(model, x);
  const run = () => tf.dispose(model.classify(x).dataSync());
  const ms = timeSteps(run, steps(), 4, switchAt);
  tf.dispose(x);
  model.dispose();
  return ms;
}

async function detector(config: string): Promise<number[]> {
  BLOCK = DETECTOR_BLOCK;
  const cfg = loadDetectorConfig(config, [], { backend: 'native' });
  const r = await benchInference(cfg, 81, { height: 600, width: 800 }, 1000, steps(), 2, { batchNorm: 'config', beforeStep: switchAt });
  return r.ms;
}

async function main(): Promise<void> {
  await initBackend('native');
  if (!nativeAddon()) throw new Error('winograd_ab needs the native backend (npm run build:native)');
  const load = os.loadavg();
  console.log(`Winograd / direct convolutions at inference, ${backendChoice()?.reason ?? 'native'}, ${PAIRS} pairs of blocks (load average ${load.map((l) => l.toFixed(2)).join(' ')})`);
  const results: Result[] = [];
  for (const w of ONLY) {
    const ms = w === 'resnet50' ? resnet50() : await detector(DETECTORS[w]);
    const r = summarise(w, ms);
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
