/**
 * `resdet bench --config CONFIG --mode train|infer`: seconds per training step or per image of the detector the
 * config builds (random weights, calibrated batch norm, the RPN's NMS off so that exactly --proposals proposals or
 * --rois RoIs reach the box head — checked), the process's peak RSS, backend and threads (detection/detector_bench.ts).
 */
import * as os from 'os';
import { UsageError } from '../errors';
import { initBackend, backendChoice } from '../../engine/backend';
import { backendThreads, threadsLabel } from '../../engine/backend_threads';
import { atomicWrite } from '../../engine/atomic_write';
import { benchInference, benchTraining, BenchBatchNorm, BENCH_BATCH_NORMS } from '../../detection/detector_bench';
import { loadDetectorConfig } from './train';
import { formatProfile, KernelProfile } from '../../engine/kernel_profile';

export interface DetectorBenchFlags {
  config: string;
  mode: string;
  size: string;
  rois: number;
  proposals: number;
  classes: number;
  steps: number;
  warmup: number;
  backend?: string;
  json?: string;
  profile?: boolean;
  batchNorm?: string;
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** "600x800" → height 600, width 800. */
export function parseSize(v: string): { height: number; width: number } {
  const m = /^(\d+)x(\d+)$/.exec(v.trim());
  if (!m || Number(m[1]) < 32 || Number(m[2]) < 32) throw new UsageError(`--size must be HEIGHTxWIDTH with both at least 32, e.g. 600x800; got '${v}'`);
  return { height: Number(m[1]), width: Number(m[2]) };
}

export async function benchDetectorCommand(f: DetectorBenchFlags): Promise<void> {
  if (f.mode !== 'train' && f.mode !== 'infer') throw new UsageError(`--mode must be train or infer, got '${f.mode}'`);
  const batchNorm = (f.batchNorm ?? 'train') as BenchBatchNorm;
  if (!BENCH_BATCH_NORMS.includes(batchNorm)) throw new UsageError(`--batch-norm must be one of ${BENCH_BATCH_NORMS.join(', ')}, got '${f.batchNorm}'`);
  const im = parseSize(f.size);
  const cfg = loadDetectorConfig(f.config, [], f.backend ? { backend: f.backend } : undefined);
  const backend = await initBackend(cfg.backend);
  const load = os.loadavg();
  const common = { config: f.config, mode: f.mode, size: `${im.height}x${im.width}`, batch_norm: batchNorm, steps: f.steps, warmup: f.warmup };
  let result: Record<string, unknown>;
  let profile: KernelProfile | undefined;
  if (f.mode === 'infer') {
    const r = await benchInference(cfg, f.classes, im, f.proposals, f.steps, f.warmup, { profile: f.profile, batchNorm });
    profile = r.profile;
    result = { ...common, s_per_image: round(median(r.ms) / 1000), proposals: r.proposalsToHead, detections: r.detections, times_ms: r.ms.map((t) => round(t, 1)) };
  } else {
    const r = await benchTraining(cfg, f.classes, im, f.rois, f.steps, f.warmup, { profile: f.profile, batchNorm });
    profile = r.profile;
    result = { ...common, s_per_step: round(median(r.ms) / 1000), rois: r.roisToHead, gradient_floats: r.gradientFloats, losses: r.losses.map((l) => round(l, 4)), tensors: [r.tensorsBefore, r.tensorsAfter], times_ms: r.ms.map((t) => round(t, 1)) };
  }
  Object.assign(result, {
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    backend, backend_detail: backendChoice()?.reason ?? backend, threads: backendThreads(backend),
    load_average_start: load.map((v) => round(v, 2)), load_average: os.loadavg().map((v) => round(v, 2)), date: new Date().toISOString(),
  });
  const what = f.mode === 'infer' ? `${result.s_per_image} s/image (${f.proposals} proposals to the box head)` : `${result.s_per_step} s/step (${f.rois} RoIs to the box head)`;
  process.stdout.write(`${f.config} ${f.mode} 1x3x${im.height}x${im.width} on ${backend} (${threadsLabel(result.threads as number | null)}${batchNorm === 'config' ? ', batch norm as the config says' : ''}): ${what}, peak RSS ${result.peak_rss_mb} MB — median of ${f.steps} after ${f.warmup} warm-up; load ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}\n`);
  if (profile) {
    result.profile = { total_ms: round(profile.totalMs, 1), wall_ms: round(profile.wallMs, 1), by_name: profile.byName, by_shape: profile.byShape };
    process.stdout.write(`kernels of one profiled step (${profile.totalMs.toFixed(1)} ms in kernels, ${profile.wallMs.toFixed(1)} ms wall), by name:\n${formatProfile(profile.byName, profile.totalMs)}\n`);
  }
  if (f.json) await atomicWrite(f.json, [Buffer.from(JSON.stringify(result, null, 2) + '\n')]);
}
