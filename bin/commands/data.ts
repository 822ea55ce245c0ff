/** `resdet data check | convert | synth | show`: detection datasets (VOC, COCO, CSV, YOLO) and the synthetic ones. */
import * as path from 'path';
import { writeDatasetGallery } from '../../run/report/dataset_gallery';
import { Command, InvalidArgumentError, Option } from 'commander';
import { action, intFlag, numFlag, UsageError } from '../errors';
import { openDetectionDataset, OpenOptions } from '../../datasets/detection/detect_format';
import { DETECTION_FORMATS, DetectionFormat } from '../../datasets/detection/record';
import { checkImages, formatProblem, ProblemLog, throwIfErrors } from '../../datasets/detection/validate';
import { formatSummary, summarize } from '../../datasets/detection/summary';
import { TARGET_FORMATS, TargetFormat, writeDataset, WriteReport } from '../../datasets/detection/convert';
import { synthShapes } from '../../datasets/detection/synth';
import { synthFashionMnist } from '../../datasets/detection/synth_fashion_mnist';
import { drawBoxes, recordObjects } from '../../datasets/detection/draw';
import { drawnPaths } from '../../datasets/detection/drawn_paths';
import { SkippedImages, skippedNote } from '../../datasets/detection/skipped_images';
import { DatasetError } from '../../datasets/classification/types';
import { classesOption } from '../class_list';
import { required } from '../required';

interface DatasetFlags {
  format?: DetectionFormat;
  split?: string;
  skipEmpty?: boolean;
}

const formatOption = () => new Option('--format <format>', 'dataset format (detected when omitted)').choices(DETECTION_FORMATS);

function openOptions(f: DatasetFlags): OpenOptions {
  return { format: f.format, split: f.split, keepEmpty: !f.skipEmpty };
}

/** A flag parser whose failure commander reports as a usage error (exit 2) instead of an uncaught throw. */
function flag<T>(parse: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return parse(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

function printReport(r: WriteReport): void {
  process.stdout.write(`wrote ${r.images} images, ${r.objects} boxes as ${r.format} (split '${r.split}') to ${r.out}\n`);
  for (const f of r.files) process.stdout.write(`  ${f}\n`);
  process.stdout.write(r.dropped.length ? r.dropped.map((d) => `note: ${d}\n`).join('') : 'nothing dropped\n');
}

export function dataCommand(): Command {
  const cmd = new Command('data').description('detection datasets: check, convert, make synthetic data, draw boxes');

  cmd
    .command('check')
    .description('validate a dataset and summarise it; exit 1 when it has errors, 0 when only warnings')
    .argument('<dataset>', 'dataset folder or annotation file')
    .addOption(formatOption())
    .option('--split <name>', 'VOC: trainval or voc_2007_trainval+voc_2012_trainval; COCO: train2017; YOLO: sub-folder')
    .addOption(classesOption('class names, comma-separated (CSV, YOLO, and VOC folders without classes.txt)'))
    .option('--no-decode', 'read image headers only (skip the full decode that finds truncated files)')
    .action(
      action(async (dataset: string, f: DatasetFlags & { decode: boolean; classes?: string[] }) => {
        const ds = await openDetectionDataset(dataset, { ...openOptions(f), classes: f.classes });
        const log = new ProblemLog();
        if (f.decode) await checkImages(ds, log);
        const problems = [...ds.problems, ...log.problems];
        process.stdout.write(formatSummary(ds, summarize(ds)) + '\n');
        const errors = problems.filter((p) => p.level === 'error').length;
        if (problems.length) process.stdout.write(`problems:\n${problems.map((p) => '  ' + formatProblem(p)).join('\n')}\n`);
        process.stdout.write(`${errors} error(s), ${problems.length - errors} warning(s)\n`);
        if (errors) process.exitCode = 1;
      }),
    );

  cmd
    .command('convert')
    .description('write a dataset as COCO, VOC or YOLO (lossless where the target allows; says what was dropped)')
    .argument('<dataset>', 'dataset folder or annotation file')
    .addOption(new Option('--to <format>', required('target format')).choices(TARGET_FORMATS).makeOptionMandatory())
    .requiredOption('--out <dir>', required('output folder'))
    .addOption(formatOption())
    .option('--split <name>', 'split to read (as for check)')
    .option('--split-name <name>', 'split name in the output (default: from the source)')
    .option('--skip-empty', 'COCO: leave out images without annotations')
    .action(
      action(async (dataset: string, f: DatasetFlags & { to: TargetFormat; out: string; splitName?: string }) => {
        const ds = await openDetectionDataset(dataset, openOptions(f));
        throwIfErrors(ds);
        const warnings = ds.problems.length;
        if (warnings) process.stderr.write(`resdet: ${warnings} warning(s) while reading (boxes clipped or dropped); see \`resdet data check\`\n`);
        printReport(await writeDataset(ds, f.out, f.to, { split: f.splitName }));
      }),
    );

  cmd
    .command('synth')
    .description('make a deterministic synthetic detection dataset (real JPEGs + annotations)')
    .requiredOption('--out <dir>', required('output folder'))
    .requiredOption('--images <n>', required('number of images'), flag(intFlag('--images')))
    .option('--seed <s>', 'random seed', flag(numFlag('--seed')), 0)
    .addOption(new Option('--format <format>', 'layout').choices(['coco', 'voc']).default('coco'))
    .addOption(new Option('--source <source>', 'what to draw').choices(['shapes', 'fashion-mnist']).default('shapes'))
    .addOption(new Option('--split <split>', 'split (fashion-mnist: train canvases use its train items, val its test items)').choices(['train', 'val']).default('train'))
    .option('--data <dir>', 'fashion-mnist: folder with the *-ubyte.gz files (default: Debian package path)')
    .action(
      action(async (f: { out: string; images: number; seed: number; format: 'coco' | 'voc'; source: string; split: 'train' | 'val'; data?: string }) => {
        const opts = { out: f.out, images: f.images, seed: f.seed, format: f.format, split: f.split };
        const report = f.source === 'fashion-mnist' ? await synthFashionMnist({ ...opts, dir: f.data }) : await synthShapes(opts);
        printReport(report);
      }),
    );

  cmd
    .command('show')
    .description('draw boxes and labels on the first images of a dataset, and an HTML gallery of them (<out>/gallery/index.html)')
    .argument('<dataset>', 'dataset folder or annotation file')
    .requiredOption('--out <dir>', required('output folder for the drawn images'))
    .option('--limit <n>', 'number of images', flag(intFlag('--limit')), 16)
    .addOption(formatOption())
    .option('--split <name>', 'split to read (as for check)')
    .action(
      action(async (dataset: string, f: DatasetFlags & { out: string; limit: number }) => {
        const ds = await openDetectionDataset(dataset, openOptions(f));
        if (ds.records.length === 0) throw new UsageError(`${dataset}: no images to show`);
        const records = ds.records.slice(0, f.limit);
        const outs = drawnPaths(records.map((r) => r.file), f.out);
        const skipped = new SkippedImages();
        for (const [i, r] of records.entries()) {
          try {
            await drawBoxes(r.file, recordObjects(r), ds.classes.names, outs[i]);
          } catch (e) {
            if (!(e instanceof DatasetError)) throw e;
            skipped.add(r.file, e.message);
          }
        }
        skipped.requireSome(records.length - skipped.count, dataset);
        process.stdout.write(`drew ${records.length - skipped.count} image(s) with their boxes in ${f.out}${skipped.count ? ` (${skippedNote(skipped.count)})` : ''}\n`);
        const gallery = await writeDatasetGallery(dataset, records.filter((r) => !skipped.has(r.file)), ds.classes.names, path.join(f.out, 'gallery'), { quiet: true });
        process.stdout.write(`gallery: ${gallery.index}\n`);
      }),
    );
  // usage errors (unknown option, bad choice) exit 2 like the other user errors; help exits 0
  for (const c of [cmd, ...cmd.commands]) c.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2)).showHelpAfterError();
  return cmd;
}
