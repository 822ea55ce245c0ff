/**
 * The two ordinary configs the transfer comparison runs, and the `--set` overrides that specialise them per
 * backbone and per variant. The same override list builds the config in process and the printed command, so
 * each run's `command` in results.json makes exactly that run.
 */
import * as path from 'path';
import { loadConfig } from '../run/config';
import { packageRoot } from '../run/package_root';
import { ClassifierConfig, CLASSIFIER_DEFAULTS, CLASSIFIER_SCHEMA } from '../backbone/classifier/config';
import { DetectorConfig, DETECTOR_DEFAULTS, DETECTOR_SCHEMA } from '../detection/config';
import { VariantSpec } from './transfer_variants';

const ROOT = packageRoot();
export const PRETRAIN_CONFIG = path.join(ROOT, 'configs', 'classify', 'fmnist_imagenet_style_pretrain.yaml');
export const DETECTOR_CONFIG = path.join(ROOT, 'configs', 'fmnist_transfer.yaml');

export interface TransferBudget {
  width: number;
  /** Fashion-MNIST folder (null: the Debian package's) */
  dataDir: string | null;
  pretrainEpochs: number;
  /** first N Fashion-MNIST training items (null: all 60,000) */
  pretrainImages: number | null;
  iters: number;
  trainCanvases: number;
  testCanvases: number;
  /** extra detector overrides, the same for every variant */
  sets: string[];
}

export function dataFolders(out: string, b: TransferBudget): { train: string; test: string } {
  return { train: path.join(out, 'data', `train-${b.trainCanvases}`), test: path.join(out, 'data', `test-${b.testCanvases}`) };
}

export function pretrainSets(arch: string, b: TransferBudget): string[] {
  return [
    `model.arch=${arch}`,
    `model.widthMultiplier=${b.width}`,
    `solver.epochs=${b.pretrainEpochs}`,
    ...(b.pretrainImages ? [`data.limit=${b.pretrainImages}`] : []),
    ...(b.dataDir ? [`data.dir=${b.dataDir}`] : []),
  ];
}

/** Iterations between the curve's points, and between evaluations on the test canvases (every 5th point). */
export function curveEvery(iters: number): number {
  return Math.max(1, Math.floor(iters / 20));
}

export function detectorSets(v: VariantSpec, seed: number, pretrained: string | null, out: string, b: TransferBudget): string[] {
  const data = dataFolders(out, b);
  return [
    `model.arch=${v.arch}`,
    `model.widthMultiplier=${b.width}`,
    `model.pretrained=${pretrained ?? 'null'}`,
    `seed=${seed}`,
    `solver.maxIters=${b.iters}`,
    `eval.period=${5 * curveEvery(b.iters)}`,
    `data.train.path=${data.train}`,
    `data.test.path=${data.test}`,
    ...b.sets,
  ];
}

export function pretrainConfig(sets: string[], backend?: string): ClassifierConfig {
  return loadConfig<ClassifierConfig>({ file: PRETRAIN_CONFIG, defaults: CLASSIFIER_DEFAULTS, schema: CLASSIFIER_SCHEMA, sets, overrides: backend ? { backend } : undefined });
}

export function detectorConfig(sets: string[], backend?: string): DetectorConfig {
  return loadConfig<DetectorConfig>({ file: DETECTOR_CONFIG, defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA, sets, overrides: backend ? { backend } : undefined });
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command line a user types for a run: `resdet <verb> <config> --out <dir> --set …`. */
export function commandLine(verb: string, config: string, out: string, sets: string[]): string {
  return ['resdet', ...verb.split(' '), path.relative(process.cwd(), config) || config, '--out', out, ...sets.flatMap((s) => ['--set', s])].map(quote).join(' ');
}
