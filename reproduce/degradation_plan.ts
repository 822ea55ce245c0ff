/**
 * What the degradation sweep trains (paper §4.2, Fig. 6): the nets, the seeds of each, and the one recipe
 * every net trains with — the paper's CIFAR recipe: SGD momentum 0.9, weight decay 1e-4, batch 128, lr 0.1
 * divided by 10 at 50% and 75% of the run, He init (resdet's default for every conv), option-A shortcuts,
 * pad-4 random crop + flip. Fashion-MNIST's 28x28 items are zero-padded to 32x32 first, as CIFAR's size.
 */
import { ReproduceError } from './reproduce_error';
import { CLASSIFIER_DEFAULTS, ClassifierConfig } from '../backbone/classifier/config';
import { deepMerge } from '../run/config';

export const DEGRADATION_NETS = ['plain20', 'plain32', 'plain44', 'plain56', 'resnet20', 'resnet32', 'resnet44', 'resnet56'];
export const DEGRADATION_DATASETS = ['fashion-mnist', 'cifar10'] as const;
export type DegradationDataset = (typeof DEGRADATION_DATASETS)[number];

export interface PlannedRun {
  net: string;
  seed: number;
  /** folder name under --out, e.g. plain20-s0 */
  name: string;
}

export interface RecipeOptions {
  dataset: DegradationDataset;
  data?: string;
  epochs: number;
  backend: string;
  /** first N training / test images (quick looks and tests) */
  limit?: number;
  testLimit?: number;
  /** test evaluations during the run: every K iterations, on the first curveLimit test images */
  evalEvery: number;
  curveLimit: number;
}

export const depthOf = (net: string): number => Number(/\d+$/.exec(net)![0]);
export const familyOf = (net: string): 'plain' | 'resnet' => (net.startsWith('plain') ? 'plain' : 'resnet');

export function parseNets(list: string): string[] {
  const nets = list.split(',').map((s) => s.trim()).filter((s) => s);
  const unknown = nets.filter((n) => !DEGRADATION_NETS.includes(n));
  if (unknown.length || nets.length === 0) {
    throw new ReproduceError(`--nets: unknown net ${unknown.map((n) => `'${n}'`).join(', ') || '(none given)'}; expected some of ${DEGRADATION_NETS.join(',')}`);
  }
  return [...new Set(nets)];
}

export function parseSeeds(list: string): number[] {
  const seeds = list.split(',').map((s) => s.trim());
  const bad = seeds.find((s) => !/^\d+$/.test(s));
  if (bad !== undefined) throw new ReproduceError(`--seeds: '${bad}' is not a non-negative integer (e.g. --seeds 0,1)`);
  return [...new Set(seeds.map(Number))];
}

/** Default seeds: 0 and 1 for the 20- and 56-layer nets (the ends of Fig. 6), 0 for the others. */
export function planRuns(nets: string[], seeds?: number[]): PlannedRun[] {
  return nets.flatMap((net) => {
    const s = seeds ?? ([20, 56].includes(depthOf(net)) ? [0, 1] : [0]);
    return s.map((seed) => ({ net, seed, name: `${net}-s${seed}` }));
  });
}

export function itersPerEpoch(trainImages: number): number {
  return Math.ceil(trainImages / 128);
}

/** The one recipe, for one net and seed. */
export function degradationConfig(run: PlannedRun, o: RecipeOptions): ClassifierConfig {
  return deepMerge(CLASSIFIER_DEFAULTS, {
    backend: o.backend,
    seed: run.seed,
    model: { arch: run.net, shortcut: 'A', widthMultiplier: 1, strideIn1x1: false, pretrained: null, batchNorm: 'train' },
    data: {
      dataset: o.dataset,
      dir: o.data ?? null,
      limit: o.limit ?? null,
      testLimit: o.testLimit ?? null,
      padTo: o.dataset === 'fashion-mnist' ? 32 : null,
      augment: { padCrop: 4, flip: true },
    },
    solver: {
      epochs: o.epochs, batchSize: 128, lr: 0.1, momentum: 0.9, weightDecay: 1e-4,
      policy: 'multistep', milestones: [0.5, 0.75], gamma: 0.1, warmupIters: 0,
    },
    checkpoint: { everyEpochs: 1 },
    eval: { batchSize: 256, everySteps: o.evalEvery, curveLimit: o.curveLimit },
  });
}
