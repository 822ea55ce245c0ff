/**
 * `resdet bench`: images per second of a classification ResNet on random data, inference (eval mode, logits
 * read back) or training (forward + backward + SGD), median over timed steps after a warm-up; printed and
 * optionally written as JSON with the backend, threads and load average beside the figures.
 */
import * as fs from 'fs';
import * as os from 'os';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { action, UsageError } from '../errors';
import { initBackend, backendChoice } from '../../engine/backend';
import { backendThreads, threadsLabel } from '../../engine/backend_threads';
import { BENCH_MODES, BenchMode, ThroughputRun, summarize } from '../../engine/throughput';
import { KernelProfile, formatProfile, profileKernels } from '../../engine/kernel_profile';
import { atomicWrite } from '../../engine/atomic_write';
import { archSpec } from '../../backbone/archs';
import { buildResNet } from '../../backbone/resnet';
import { backendOption } from '../backend_option';
import { required } from '../required';
import { benchDetectorCommand } from './bench_detector';

interface BenchFlags {
  arch?: string;
  config?: string;
  mode: string;
  batch?: string;
  size?: string;
  channels: string;
  backend?: string;
  steps: string;
  warmup: string;
  json?: string;
  profile?: boolean;
  rois: string;
  proposals: string;
  classes: string;
  batchNorm?: string;
}

function integer(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer, got '${v}'`);
  }
  return n;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function benchCommand(): Command {
  // a bad or missing flag is a usage error: exit code 2 (added commands do not inherit the program's setting)
  return new Command('bench')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .showHelpAfterError()
    .description('speed on random data: a classification ResNet (--arch) in images per second, or the detector a config builds (--config) in seconds per image or step, with peak RSS')
    .option('--arch <name>', 'classifier architecture, e.g. resnet20 (CIFAR: 10 classes) or resnet50 (ImageNet: 1000 classes)')
    .option('--config <file>', 'detector config (e.g. configs/faster_rcnn_R_50_FPN_coco.yaml) instead of --arch')
    .requiredOption('--mode <mode>', required('infer (eval mode, forward, results read back) | train (forward + backward + SGD)'))
    .option('--batch <n>', 'images per step (classifiers; required with --arch)')
    .option('--size <n>', 'classifiers: input height and width (default: 32 for CIFAR nets, 224 for ImageNet nets); detectors: HEIGHTxWIDTH (default 600x800)')
    .option('--rois <n>', 'detectors, train: RoIs per image sampled for the box head', '512')
    .option('--proposals <n>', 'detectors, infer: proposals reaching the box head', '1000')
    .option('--classes <n>', 'detectors: object classes of the box predictor', '20')
    .option('--channels <n>', 'input channels', '3')
    .addOption(backendOption())
    .option('--steps <n>', 'timed steps (the median is reported)', '7')
    .option('--warmup <n>', 'untimed steps first', '2')
    .option('--json <file>', 'also write the result as JSON')
    .option('--batch-norm <mode>', 'detectors: train (trainable batch norm everywhere, nothing frozen, as the PyTorch reference by default) | config (frozen batch norm and frozen stages as the config says, statistics calibrated first)', 'train')
    .option('--profile', 'then profile one more step (tf.profile): kernel ms by name and by input shapes')
    .action(
      action(async (f: BenchFlags) => {
        if (f.config && f.arch) throw new UsageError('give --arch (a classifier) or --config (a detector), not both');
        if (f.config) {
          return benchDetectorCommand({
            config: f.config, mode: f.mode, size: f.size ?? '600x800', rois: integer('--rois', f.rois, 1), proposals: integer('--proposals', f.proposals, 1),
            classes: integer('--classes', f.classes, 1), steps: integer('--steps', f.steps, 1), warmup: integer('--warmup', f.warmup, 0), backend: f.backend, json: f.json, profile: f.profile, batchNorm: f.batchNorm,
          });
        }
        if (!f.arch) throw new UsageError('give --arch (a classifier) or --config (a detector)');
        if (f.batch === undefined) throw new UsageError('--batch is required with --arch');
        const spec = archSpec(f.arch);
        if (!BENCH_MODES.includes(f.mode as BenchMode)) throw new UsageError(`--mode must be one of ${BENCH_MODES.join(', ')}, got '${f.mode}'`);
        const mode = f.mode as BenchMode;
        const batch = integer('--batch', f.batch, 1);
        const size = f.size === undefined ? (spec.style === 'cifar' ? 32 : 224) : integer('--size', f.size, 1);
        const channels = integer('--channels', f.channels, 1);
        const steps = integer('--steps', f.steps, 1);
        const warmup = integer('--warmup', f.warmup, 0);
        const backend = await initBackend(f.backend);
        const model = buildResNet(f.arch, { inputChannels: channels });
        const run = new ThroughputRun(model, { mode, batch, shape: [size, size, channels], numClasses: model.options.numClasses });
        const loadBefore = os.loadavg();
        let times: number[];
        let profile: KernelProfile | null = null;
        try {
          times = run.run(steps, warmup);
          if (f.profile) profile = await profileKernels(() => run.step());
        } finally {
          run.dispose();
          model.dispose();
        }
        const s = summarize(times, batch);
        const result = {
          arch: f.arch,
          mode,
          batch,
          size,
          channels,
          steps,
          warmup,
          images_per_s: round(s.images_per_s),
          ms_per_batch: round(s.ms_per_batch),
          ms_min: round(s.ms_min),
          images_per_s_max: round(s.images_per_s_max),
          times_ms: times.map((t) => round(t, 1)),
          backend,
          backend_detail: backendChoice()?.reason ?? backend,
          threads: backendThreads(backend),
          load_average: os.loadavg().map((v) => round(v)),
          load_average_start: loadBefore.map((v) => round(v)),
          cpus: os.cpus().length,
          date: new Date().toISOString(),
          ...(profile ? { profile: { total_ms: round(profile.totalMs, 1), wall_ms: round(profile.wallMs, 1), by_name: profile.byName, by_shape: profile.byShape } } : {}),
        };
        process.stdout.write(
          `${f.arch} ${mode} batch ${batch} ${channels}x${size}x${size} on ${backend} (${threadsLabel(result.threads)}): ` +
          `${result.images_per_s} img/s, ${result.ms_per_batch} ms/batch (min ${result.ms_min}) — median of ${steps} after ${warmup} warm-up; ` +
          `load ${result.load_average.join(' ')}\n`,
        );
        if (profile) {
          process.stdout.write(`kernels of one profiled step (${profile.totalMs.toFixed(1)} ms in kernels, ${profile.wallMs.toFixed(1)} ms wall), by name:\n${formatProfile(profile.byName, profile.totalMs)}\n`);
          process.stdout.write(`by name and input shapes:\n${formatProfile(profile.byShape, profile.totalMs, 30)}\n`);
        }
        if (f.json) await atomicWrite(f.json, [Buffer.from(JSON.stringify(result, null, 2) + '\n')]);
      }),
    );
}
