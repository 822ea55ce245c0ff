/** `resdet train CONFIG.yaml [--set k=v] [--out DIR] [--resume]`: end-to-end Faster R-CNN training. */
import * as path from 'path';
import { Command } from 'commander';
import { skippedNote } from '../../datasets/detection/skipped_images';
import { action, collect } from '../errors';
import { loadConfig } from '../../run/config';
import { initBackend, backendChoice } from '../../engine/backend';
import { DETECTOR_DEFAULTS, DETECTOR_SCHEMA, DetectorConfig } from '../../detection/config';
import { trainDetector } from '../../detection/trainer';
import { evaluatorFor } from '../../detection/evaluate';
import { archSpec } from '../../backbone/archs';
import { backendOption } from '../backend_option';
import { writeReportAfter } from './report';

export function loadDetectorConfig(file: string | undefined, sets: string[], overrides?: unknown): DetectorConfig {
  const cfg = loadConfig<DetectorConfig>({ file, defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA, sets, overrides });
  archSpec(cfg.model.arch);
  return cfg;
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a Faster R-CNN detector from a config (e.g. configs/faster_rcnn_R_50_C4_voc0712.yaml)')
    .argument('<config>', 'YAML config')
    .option('--set <key=value>', 'override a config key (repeatable), e.g. --set solver.maxIters=1000', collect, [])
    .option('--out <dir>', 'run folder (checkpoints, log.jsonl, metrics.json); default runs/<config name>')
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--force', 'start over when --out already holds a run (its files are moved into previous-<time>/)')
    .addOption(backendOption())
    .option('--quiet', 'no progress output')
    .action(
      action(async (file: string, f: { set: string[]; out?: string; resume?: boolean; force?: boolean; backend?: string; quiet?: boolean }) => {
        const cfg = loadDetectorConfig(file, f.set, f.backend ? { backend: f.backend } : undefined);
        const out = f.out ?? path.join('runs', path.basename(file).replace(/\.ya?ml$/, ''));
        await initBackend(cfg.backend);
        process.stderr.write(`resdet: ${backendChoice()?.reason}\n`);
        const r = await trainDetector(cfg, { out, resume: f.resume, force: f.force, quiet: f.quiet, evaluate: evaluatorFor(cfg, out, { quiet: f.quiet }) });
        process.stdout.write(
          `trained for ${r.steps} iterations in ${r.trainSeconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(2)} img/s, ${r.backend})\n` +
            `checkpoint: ${r.checkpoint}\n` +
            (r.skippedImages ? `training: ${skippedNote(r.skippedImages)}\n` : '') +
            (r.metrics ? `metrics: ${JSON.stringify(r.metrics)}\n` : ''),
        );
        await writeReportAfter(out, { quiet: f.quiet });
      }),
    );
}
