/**
 * Learning-rate schedules by iteration: constant, step (every `stepSize`), multi-step (at `milestones`),
 * and cosine; each with an optional warm-up over the first `warmupIters` — linear from `warmupFactor`
 * to 1 (Detectron2's) or constant at `warmupFactor` (the paper's ResNet-110 recipe).
 */
export interface LrScheduleConfig {
  baseLr: number;
  policy: 'constant' | 'step' | 'multistep' | 'cosine';
  gamma?: number;
  stepSize?: number;
  milestones?: number[];
  maxIters?: number;
  warmupIters?: number;
  warmupFactor?: number;
  warmupMethod?: 'linear' | 'constant';
}

export function learningRate(c: LrScheduleConfig, iter: number): number {
  const gamma = c.gamma ?? 0.1;
  let lr = c.baseLr;
  switch (c.policy) {
    case 'step':
      if (!c.stepSize) throw new Error('lr schedule "step" needs stepSize');
      lr *= gamma ** Math.floor(iter / c.stepSize);
      break;
    case 'multistep':
      lr *= gamma ** (c.milestones ?? []).filter((m) => iter >= m).length;
      break;
    case 'cosine': {
      if (!c.maxIters) throw new Error('lr schedule "cosine" needs maxIters');
      lr *= 0.5 * (1 + Math.cos((Math.PI * Math.min(iter, c.maxIters)) / c.maxIters));
      break;
    }
    case 'constant':
      break;
  }
  const w = c.warmupIters ?? 0;
  if (iter < w) {
    const f = c.warmupFactor ?? 0.001;
    const factor = c.warmupMethod === 'constant' ? f : f * (1 - iter / w) + iter / w;
    lr *= factor;
  }
  return lr;
}
