/** `resdet classify train | eval | predict`: ResNet classification from configs or flags. */
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { action, collect, intFlag, numFlag, UsageError } from '../errors';
import { classifyDemoCommand } from './classify_demo';
import { loadConfig, ConfigError, deepMerge } from '../../run/config';
import { initBackend, backendChoice } from '../../engine/backend';
import { atomicWrite } from '../../engine/atomic_write';
import { CLASSIFIER_DEFAULTS, CLASSIFIER_SCHEMA, ClassifierConfig, DATASET_RECIPES } from '../../backbone/classifier/config';
import { trainClassifier } from '../../backbone/classifier/train';
import { loadClassifier } from '../../backbone/classifier/checkpoint';
import { evaluateClassifier } from '../../backbone/classifier/evaluate';
import { archSpec } from '../../backbone/archs';
import { openClassificationDataset } from '../../datasets/classification';
import type { ClassScore } from '../../backbone/classifier/predict';
import { CLASSIFIER_ENGINES, ClassifierEngine, isOnnxFile, loadImageClassifier } from '../../export/runtime/load_image_classifier';
import { opsetFlag } from './export';
import { backendOption } from '../backend_option';
import { required } from '../required';

interface TrainFlags {
  config?: string;
  set: string[];
  arch?: string;
  dataset?: string;
  data?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  limit?: number;
  seed?: number;
  out?: string;
  resume?: boolean;
  force?: boolean;
  backend?: string;
  quiet?: boolean;
}

function configFromFlags(f: TrainFlags): ClassifierConfig {
  const overrides: Record<string, unknown> = {};
  const put = (keys: string[], v: unknown) => {
    if (v === undefined) return;
    let o = overrides as Record<string, unknown>;
    keys.slice(0, -1).forEach((k) => (o = (o[k] ??= {}) as Record<string, unknown>));
    o[keys[keys.length - 1]] = v;
  };
  put(['model', 'arch'], f.arch);
  put(['data', 'dataset'], f.dataset);
  put(['data', 'dir'], f.data);
  put(['data', 'limit'], f.limit);
  put(['solver', 'epochs'], f.epochs);
  put(['solver', 'batchSize'], f.batchSize);
  put(['solver', 'lr'], f.lr);
  put(['seed'], f.seed);
  put(['backend'], f.backend);
  // without a config file, the recipe that suits the dataset (flags and --set still override it)
  const recipe = f.config ? {} : DATASET_RECIPES[f.dataset ?? CLASSIFIER_DEFAULTS.data.dataset] ?? {};
  const defaults = deepMerge(CLASSIFIER_DEFAULTS, recipe);
  const cfg = loadConfig<ClassifierConfig>({ file: f.config, defaults, schema: CLASSIFIER_SCHEMA, overrides, sets: f.set });
  archSpec(cfg.model.arch);
  return cfg;
}

export function classifyCommand(): Command {
  const cmd = new Command('classify').description('train, evaluate and run ResNet image classifiers');

  cmd
    .command('train')
    .description('train a classifier (the paper\'s CIFAR recipe by default)')
    .argument('[config]', 'YAML config (e.g. configs/classify/fmnist_resnet20.yaml)')
    .option('--config <file>', 'YAML config (same as the positional argument)')
    .option('--set <key=value>', 'override a config key (repeatable), e.g. --set solver.lr=0.05', collect, [])
    .option('--arch <name>', 'architecture, e.g. resnet20, resnet56, plain20, resnet18')
    .option('--dataset <name>', 'fashion-mnist | cifar10 | folder')
    .option('--data <dir>', 'dataset folder')
    .option('--epochs <n>', 'epochs', numFlag('--epochs'))
    .option('--batch-size <n>', 'batch size', intFlag('--batch-size'))
    .option('--lr <x>', 'base learning rate', numFlag('--lr'))
    .option('--limit <n>', 'use the first N training images', intFlag('--limit'))
    .option('--seed <n>', 'random seed', numFlag('--seed'))
    .option('--out <dir>', 'run folder (checkpoints, log.jsonl, metrics.json)', 'runs/classify')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--force', 'start over when --out already holds a run (its files are moved into previous-<time>/)')
    .addOption(backendOption())
    .option('--quiet', 'no progress output')
    .action(
      action(async (configArg: string | undefined, flags: TrainFlags) => {
        const cfg = configFromFlags({ ...flags, config: flags.config ?? configArg });
        await initBackend(cfg.backend);
        process.stderr.write(`resdet: ${backendChoice()?.reason}\n`);
        const r = await trainClassifier(cfg, { out: flags.out!, resume: flags.resume, force: flags.force, quiet: flags.quiet });
        const lines = [
          `trained ${cfg.model.arch} for ${r.steps} steps in ${r.trainSeconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} img/s, ${r.backend})`,
          `checkpoint: ${r.checkpoint}`,
        ];
        if (r.test) lines.push(`test: top1 ${r.test.top1.toFixed(4)}  top5 ${r.test.top5.toFixed(4)}  (${r.test.images} images)`);
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );

  cmd
    .command('eval')
    .description('accuracy of a classifier checkpoint on a dataset split')
    .requiredOption('--weights <path>', required('checkpoint file or run folder (its latest checkpoint)'))
    .option('--dataset <name>', 'fashion-mnist | cifar10 | folder', 'fashion-mnist')
    .option('--data <dir>', 'dataset folder')
    .option('--split <name>', 'train | test', 'test')
    .option('--limit <n>', 'first N images', intFlag('--limit'))
    .option('--batch-size <n>', 'batch size', intFlag('--batch-size'), 256)
    .option('--json <file>', 'write {"top1","top5","images"} here')
    .addOption(backendOption())
    .option('--quiet', 'no progress output')
    .action(
      action(async (f: { weights: string; dataset: string; data?: string; split: string; limit?: number; batchSize: number; json?: string; backend?: string; quiet?: boolean }) => {
        await initBackend(f.backend);
        const { model, info } = await loadClassifier(f.weights);
        // a classifier trained on resampled items (data.imageSize) is evaluated at its own size
        const side = info.imageShape && info.imageShape[0] === info.imageShape[1] ? info.imageShape[0] : undefined;
        const ds = await openClassificationDataset({ name: f.dataset as 'fashion-mnist', dir: f.data, split: f.split as 'test', limit: f.limit, imageSize: side });
        if (ds.classNames.length !== info.classNames.length) {
          throw new UsageError(`${f.weights}: classifier has ${info.classNames.length} classes, dataset ${f.dataset} has ${ds.classNames.length}`);
        }
        if (info.imageShape && ds.imageShape.join() !== info.imageShape.join()) {
          throw new UsageError(`${f.weights}: trained on ${info.imageShape.join('x')} images, dataset gives ${ds.imageShape.join('x')}`);
        }
        const r = await evaluateClassifier(model, ds, info, { batchSize: f.batchSize, quiet: f.quiet });
        process.stdout.write(`${f.dataset} ${f.split}: top1 ${r.top1.toFixed(4)}  top5 ${r.top5.toFixed(4)}  (${r.images} images)\n`);
        if (f.json) await atomicWrite(f.json, [Buffer.from(JSON.stringify(r) + '\n')]);
        model.dispose();
      }),
    );

  cmd
    .command('predict')
    .description('top-5 classes of images (torchvision preprocessing for ImageNet weights)')
    .argument('<images...>', 'image files')
    .requiredOption('--weights <path>', required('torchvision .pth/.safetensors, a resdet checkpoint or run folder, or a .onnx file from resdet export'))
    .option('--arch <name>', 'architecture (required for torchvision files)')
    .option('--top <k>', 'how many classes to print', intFlag('--top'), 5)
    .option('--json <file>', 'write the predictions as JSON')
    .addOption(new Option('--engine <name>', 'tfjs, or onnxruntime: the checkpoint exported to ONNX (cached next to it) on ONNX Runtime (default: onnxruntime for a .onnx file, else tfjs)').choices([...CLASSIFIER_ENGINES]))
    .option('--opset <n>', 'ONNX opset of the on-the-fly export (--engine onnxruntime)', opsetFlag)
    .addOption(backendOption())
    .action(
      action(async (images: string[], f: { weights: string; arch?: string; top: number; json?: string; engine?: ClassifierEngine; opset?: number; backend?: string }) => {
        if (f.arch) archSpec(f.arch);
        // the tfjs backend loads the checkpoint (tfjs engine, or an export to make); a .onnx file needs none
        if (!isOnnxFile(f.weights)) await initBackend(f.backend);
        const note = (m: string) => process.stderr.write(`resdet: ${m}\n`);
        const classifier = await loadImageClassifier(f.weights, { engine: f.engine, arch: f.arch, opset: f.opset, onNote: note });
        const out: Array<{ file: string; top: ClassScore[] }> = [];
        try {
          for (const file of images) {
            if (!fs.existsSync(file)) throw new UsageError(`${file}: no such image`);
            const top = await classifier.classify(file, f.top);
            out.push({ file, top });
            process.stdout.write(`${path.basename(file)}\n`);
            for (const t of top) process.stdout.write(`  ${(t.probability * 100).toFixed(2).padStart(6)}%  ${t.index.toString().padStart(4)}  ${t.name}\n`);
          }
        } finally {
          classifier.dispose();
        }
        if (f.json) await atomicWrite(f.json, [Buffer.from(JSON.stringify(out, null, 2) + '\n')]);
      }),
    );
  cmd.addCommand(classifyDemoCommand());
  return cmd;
}

export { ConfigError };
