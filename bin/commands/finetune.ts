/**
 * `resdet finetune --weights CKPT --data DATASET [--classes a,b] --out DIR`: fine-tune a detector (or an
 * ImageNet backbone) on a custom dataset in any format resdet reads, with a short schedule by default.
 */
import * as path from 'path';
import { Command } from 'commander';
import { action, collect, intFlag, UsageError } from '../errors';
import { initBackend, backendChoice } from '../../engine/backend';
import { DETECTOR_DEFAULTS, DetectorConfig } from '../../detection/config';
import { trainDetector } from '../../detection/trainer';
import { evaluatorFor } from '../../detection/evaluate';
import { finetuneConfig, loadTransferable, startingPoint } from '../../detection/finetune';
import { openDetectorDataset } from '../../detection/open_dataset';
import { SkippedImages } from '../../datasets/detection/skipped_images';
import { loadDetectorConfig } from './train';
import { classesOption } from '../class_list';
import { backendOption } from '../backend_option';
import { required } from '../required';
import { writeReportAfter } from './report';

export function finetuneCommand(): Command {
  return new Command('finetune')
    .description('fine-tune a detector checkpoint (or ImageNet backbone weights) on a custom dataset')
    .requiredOption('--weights <path>', required('detector checkpoint / run folder, or ImageNet weights (.pth/.safetensors) with --arch'))
    .requiredOption('--data <path>', required('training dataset (COCO JSON or folder, VOC folder, CSV, YOLO folder)'))
    .option('--format <name>', 'voc | coco | csv | yolo (default: detected)')
    .option('--split <name>', 'training split (VOC image set, COCO split)')
    .option('--val <path>', 'validation dataset (default: the training data)')
    .option('--val-split <name>', 'validation split')
    .addOption(classesOption('class names, comma-separated (CSV, YOLO, and VOC folders without classes.txt)'))
    .option('--arch <name>', 'architecture when --weights holds ImageNet weights', 'resnet50')
    .option('--config <file>', 'base config when starting from ImageNet weights')
    .option('--iters <n>', 'training iterations (default: about 12 passes over the data)', intFlag('--iters'))
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .option('--out <dir>', 'run folder', 'runs/finetune')
    .option('--resume', 'continue an interrupted fine-tuning run')
    .option('--force', 'start over when --out already holds a run (its files are moved into previous-<time>/)')
    .addOption(backendOption())
    .option('--quiet', 'no progress output')
    .action(
      action(async (f: { weights: string; data: string; format?: string; split?: string; val?: string; valSplit?: string; classes?: string[]; arch: string; config?: string; iters?: number; set: string[]; out: string; resume?: boolean; force?: boolean; backend?: string; quiet?: boolean }) => {
        const classes = f.classes;
        const start = await startingPoint(f.weights);
        const train = { path: f.data, format: (f.format ?? null) as DetectorConfig['data']['train']['format'], split: f.split ?? null, classes: classes ?? null };
        const test = f.val ? { ...train, path: f.val, split: f.valSplit ?? null } : train;
        const ds = await openDetectorDataset(train, classes, new SkippedImages(null)); // training says which images it skips
        if (!ds.records.length) throw new UsageError(`${f.data}: no images`);
        const base = start.config ?? loadDetectorConfig(f.config, [], { model: { arch: f.arch } });
        let cfg = finetuneConfig(base ?? DETECTOR_DEFAULTS, train, test, ds.records.length, f.iters);
        cfg = loadDetectorConfig(undefined, f.set, { ...cfg, ...(f.backend ? { backend: f.backend } : {}) });
        await initBackend(cfg.backend);
        process.stderr.write(`resdet: ${backendChoice()?.reason}\n`);
        let note = '';
        const r = await trainDetector(cfg, {
          out: f.out,
          resume: f.resume,
          force: f.force,
          quiet: f.quiet,
          init: async (model) => {
            const { reinitialised } = await loadTransferable(model, start, ds.classes.names);
            note = reinitialised.length ? `re-initialised for the new classes: ${reinitialised.join(', ')}` : 'all layers transferred';
          },
          evaluate: evaluatorFor(cfg, f.out, { quiet: f.quiet }),
        });
        process.stdout.write(
          `fine-tuned from ${path.relative(process.cwd(), start.weights)} for ${r.steps} iterations on ${ds.records.length} images ` +
            `(${ds.classes.names.join(', ')}) in ${r.trainSeconds.toFixed(0)} s; ${note}\ncheckpoint: ${r.checkpoint}\n` +
            (r.metrics ? `metrics: ${JSON.stringify(r.metrics)}\n` : ''),
        );
        await writeReportAfter(f.out, { quiet: f.quiet });
      }),
    );
}
