/** `resdet report RUN [--out DIR]`: a static HTML report of a run (run/report/), opened from the file system. */
import * as path from 'path';
import { Command } from 'commander';
import { action, intFlag, numFlag } from '../errors';
import { DEFAULT_GALLERY_IMAGES, writeRunReport } from '../../run/report/write_report';
import { isRoot } from '../../engine/distributed/world';

export function reportCommand(): Command {
  return new Command('report')
    .description('write an HTML report of a run (metrics, loss, PR curves, confusion, errors, gallery) that works offline')
    .argument('<run>', 'run folder written by train, finetune, eval model or demo (or an evaluation folder)')
    .option('--out <dir>', 'report folder (default: <run>/report)')
    .option('--max-images <n>', `gallery size: the images with the most errors (default ${DEFAULT_GALLERY_IMAGES})`, intFlag('--max-images'))
    .option('--score-threshold <s>', 'confusion matrix threshold and the gallery slider\'s start (default 0.5)', numFlag('--score-threshold'))
    .option('--quiet', 'no progress output')
    .action(
      action(async (run: string, f: { out?: string; maxImages?: number; scoreThreshold?: number; quiet?: boolean }) => {
        const r = await writeRunReport(run, { out: f.out, maxImages: f.maxImages, threshold: f.scoreThreshold, quiet: f.quiet });
        for (const n of r.notes) process.stderr.write(`resdet report: ${n}\n`);
        process.stdout.write(`report: ${r.index} (${r.evaluatedImages ? `gallery: ${r.galleryImages} of ${r.evaluatedImages} images` : 'no gallery'})\n`);
      }),
    );
}

/**
 * The report written at the end of train, finetune, eval model and demo. The run itself has succeeded by then, so a
 * report that cannot be written is said on the console and does not change the exit code.
 */
export async function writeReportAfter(run: string, opts: { quiet?: boolean } = {}): Promise<void> {
  if (!isRoot()) return; // in a job of several processes, rank 0 writes the report
  try {
    const r = await writeRunReport(run, { quiet: opts.quiet });
    for (const n of r.notes) process.stderr.write(`resdet report: ${n}\n`);
    process.stdout.write(`report: ${r.index}\n`);
  } catch (e) {
    process.stderr.write(`resdet: the report was not written: ${(e as Error).message.split('\n')[0]} (resdet report ${run} tries again)\n`);
  }
}
