/**
 * `resdet demo` — the README's main job: synthetic data, a small Faster R-CNN trained from scratch,
 * VOC and COCO evaluation, drawn predictions, runs/demo/REPORT.md and runs/demo/metrics.json.
 */
import * as path from 'path';
import { Command } from 'commander';
import { action, collect, intFlag } from '../errors';
import { initBackend, backendChoice } from '../../engine/backend';
import { runDemo } from '../../detection/demo';
import { loadDetectorConfig } from './train';
import { backendOption } from '../backend_option';
import { writeReportAfter } from './report';

/**
 * Iterations on the cpu backend unless --max-iters says otherwise, against the config's full schedule on native,
 * tensorflow and wasm. wasm trains the whole 1000-iteration schedule in about 13 minutes on this 2-core machine
 * since its transposed matrix products run on XNNPACK (2026-12-07: 741 s of training with 2 threads, 767 s with
 * one; 12 min 39 s and 13 min 4 s end to end; VOC07 mAP 0.824 / 0.838 — bench/RESULTS.md, "Performance step 6");
 * before that it took 888 s for 550 iterations. The cpu backend (pure JavaScript) is slower still; its shortened
 * schedule was not timed here. The lr steps are fractions of the run, so they scale with it.
 */
export const SLOW_BACKEND_DEMO_ITERS = 550;

export function demoCommand(): Command {
  return new Command('demo')
    .description('train a small Faster R-CNN on synthetic shapes, evaluate it (VOC07 mAP, COCO AP) and write a report')
    .option('--config <file>', 'demo config', path.join(__dirname, '..', '..', '..', 'configs', 'demo.yaml'))
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .option('--out <dir>', 'demo folder', 'runs/demo')
    .option('--train-images <n>', 'synthetic training images', intFlag('--train-images'), 600)
    .option('--val-images <n>', 'synthetic validation images', intFlag('--val-images'), 100)
    .addOption(backendOption())
    .option('--max-iters <n>', `training iterations (default: the config's; ${SLOW_BACKEND_DEMO_ITERS} on the cpu backend)`, intFlag('--max-iters'))
    .option('--resume', 'continue an interrupted demo run')
    .option('--force', 'run the demo again over an earlier one (its training files are moved into <out>/train/previous-<time>/)')
    .option('--quiet', 'no progress output')
    .action(
      action(async (f: { config: string; set: string[]; out: string; trainImages: number; valImages: number; backend?: string; maxIters?: number; resume?: boolean; force?: boolean; quiet?: boolean }) => {
        const data = path.join(f.out, 'data');
        const cfg = loadDetectorConfig(f.config, f.set, {
          ...(f.backend ? { backend: f.backend } : {}),
          data: { train: { path: path.join(data, 'train') }, test: { path: path.join(data, 'val') } },
        });
        const backend = await initBackend(cfg.backend);
        process.stderr.write(`resdet demo: ${backendChoice()?.reason}\n`);
        const explicitIters = f.maxIters !== undefined || f.set.some((s) => s.startsWith('solver.maxIters='));
        if (f.maxIters !== undefined) cfg.solver.maxIters = f.maxIters;
        else if (!explicitIters && backend === 'cpu' && cfg.solver.maxIters > SLOW_BACKEND_DEMO_ITERS) {
          process.stderr.write(
            `resdet demo: the cpu backend is the slowest: training ${SLOW_BACKEND_DEMO_ITERS} of the config's ${cfg.solver.maxIters} iterations ` +
              `(expect a lower mAP; --max-iters ${cfg.solver.maxIters} for the full schedule, or use the native or wasm backend)\n`,
          );
          cfg.solver.maxIters = SLOW_BACKEND_DEMO_ITERS;
        }
        const m = await runDemo(cfg, { out: f.out, trainImages: f.trainImages, valImages: f.valImages, quiet: f.quiet, resume: f.resume, force: f.force });
        process.stdout.write(
          `demo: VOC07 mAP@0.5 ${m.voc07_map50.toFixed(3)}, COCO AP ${m.coco_ap.toFixed(3)} (AP50 ${m.coco_ap50.toFixed(3)}); ` +
            `trained in ${m.train_seconds.toFixed(0)} s on ${m.backend}\n` +
            `summary: ${path.join(f.out, 'REPORT.md')}  metrics: ${path.join(f.out, 'metrics.json')}\n`,
        );
        await writeReportAfter(f.out, { quiet: f.quiet });
      }),
    );
}
