/**
 * Where a step's time goes: runs a function under tf.profile and sums the kernels' times by kernel name, and
 * by kernel name with its input shapes (which convolution, which pooling). Kernel times on CPU backends are
 * wall times around each kernel call; gradient kernels are included when the function trains.
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelTotal {
  /** kernel name, or kernel name and input shapes (`Conv2D 128x32x32x16 3x3x16x16`) */
  key: string;
  calls: number;
  ms: number;
}

export interface KernelProfile {
  /** sum of every kernel's time */
  totalMs: number;
  /** wall time of the whole function */
  wallMs: number;
  byName: KernelTotal[];
  byShape: KernelTotal[];
}

function sorted(m: Map<string, KernelTotal>): KernelTotal[] {
  return [...m.values()].sort((a, b) => b.ms - a.ms);
}

function add(m: Map<string, KernelTotal>, key: string, ms: number): void {
  const e = m.get(key) ?? { key, calls: 0, ms: 0 };
  e.calls += 1;
  e.ms += ms;
  m.set(key, e);
}

/** Profiles one call of `f` (whose results it disposes). */
export async function profileKernels(f: () => unknown): Promise<KernelProfile> {
  const t = performance.now();
  const info = await tf.profile(() => {
    const r = f();
    return r instanceof tf.Tensor ? r : [];
  });
  const wallMs = performance.now() - t;
  const byName = new Map<string, KernelTotal>();
  const byShape = new Map<string, KernelTotal>();
  let totalMs = 0;
  for (const k of info.kernels) {
    // ops with a custom gradient (fusedConv2d__op, softmaxCrossEntropy__op) appear as well as the kernels they run
    if (k.name.endsWith('__op')) continue;
    const ms = Number(await k.kernelTimeMs) || 0;
    totalMs += ms;
    add(byName, k.name, ms);
    add(byShape, `${k.name} ${k.inputShapes.map((s) => (s ? s.join('x') || 'scalar' : '-')).join(' ')}`, ms);
  }
  tf.dispose(info.result);
  return { totalMs, wallMs, byName: sorted(byName), byShape: sorted(byShape) };
}

/** A text table of the largest entries: kernel, calls, ms, share of the kernel total. */
export function formatProfile(rows: KernelTotal[], totalMs: number, limit = 20): string {
  const width = Math.min(70, Math.max(...rows.slice(0, limit).map((r) => r.key.length), 6));
  const lines = rows.slice(0, limit).map((r) =>
    `  ${r.key.padEnd(width)} ${String(r.calls).padStart(5)} ${r.ms.toFixed(1).padStart(9)} ms ${((100 * r.ms) / totalMs).toFixed(1).padStart(5)}%`);
  const rest = rows.slice(limit);
  if (rest.length) {
    const ms = rest.reduce((a, r) => a + r.ms, 0);
    lines.push(`  ${`(${rest.length} more)`.padEnd(width)} ${String(rest.reduce((a, r) => a + r.calls, 0)).padStart(5)} ${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%`);
  }
  return lines.join('\n');
}
