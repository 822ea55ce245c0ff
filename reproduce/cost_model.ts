/**
 * How long the degradation sweep will take, before it starts: a cost model per depth and backend. A CIFAR
 * net's step time grows linearly with its depth (every stage's layers cost about the same); plain and
 * residual nets cost about the same. The native figures are fitted to a measured sweep on this project's
 * 2-core machine, shared with other work at the time (plain/resnet 20 and 56, 704 iterations each: 267-336 s
 * and 570-671 s per run; `resdet bench` gave 12.3 ms per layer per step at best, see
 * bench/RESULTS.md), so they are on the safe side for a quiet machine. The test
 * evaluations add the forward passes of `curveImages` images every `evalEvery` steps (about a third of a
 * training step per image). Once runs have finished, the estimate is scaled by how far off it was for them.
 */

/** ms per training step of 128 images, a + b * depth, by backend (native: 2 threads). */
const STEP_MS: Record<string, { a: number; b: number }> = {
  native: { a: 120, b: 12.6 },
  tensorflow: { a: 120, b: 12.6 },
  wasm: { a: 40, b: 60 },
  cpu: { a: 400, b: 600 },
};

export interface RunCost {
  depth: number;
  iterations: number;
  evalEvery: number;
  curveImages: number;
  testImages: number;
  /** images per step (128, or fewer when a tiny --limit makes the only batch smaller) */
  batch: number;
}

export function estimateSeconds(backend: string, run: RunCost): number {
  const m = STEP_MS[backend] ?? STEP_MS.native;
  const perImage = (m.a + m.b * run.depth) / 128 / 1000;
  const train = run.iterations * run.batch * perImage;
  const evals = Math.floor(run.iterations / run.evalEvery) * run.curveImages + run.testImages;
  return train + (evals * perImage) / 3;
}

/** Estimated seconds scaled by measured/estimated of the runs done so far (1 when none). */
export class SweepClock {
  private measured = 0;
  private estimated = 0;

  record(estimatedSeconds: number, measuredSeconds: number): void {
    this.estimated += estimatedSeconds;
    this.measured += measuredSeconds;
  }

  scale(): number {
    return this.estimated > 0 ? this.measured / this.estimated : 1;
  }
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
