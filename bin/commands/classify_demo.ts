/**
 * `resdet classify demo` — a short, real classification run: ResNet-20 trained from scratch on Fashion-MNIST (Debian's dataset-fashion-mnist), evaluated on the
 * test images, with the figures written to runs/demo/metrics.json.
 */
import * as path from 'path';
import { Command } from 'commander';
import { action, intFlag } from '../errors';
import { initBackend, backendChoice } from '../../engine/backend';
import { deepMerge } from '../../run/config';
import { atomicWrite } from '../../engine/atomic_write';
import { CLASSIFIER_DEFAULTS, ClassifierConfig } from '../../backbone/classifier/config';
import { trainClassifier } from '../../backbone/classifier/train';
import { backendOption } from '../backend_option';

export function classifyDemoCommand(): Command {
  return new Command('demo')
    .description('train ResNet-20 on Fashion-MNIST for a short run and report test accuracy')
    .option('--out <dir>', 'run folder', 'runs/classify-demo')
    .option('--images <n>', 'training images', intFlag('--images'), 4000)
    .option('--test-images <n>', 'test images', intFlag('--test-images'), 2000)
    .addOption(backendOption())
    .action(
      action(async (f: { out: string; images: number; testImages: number; backend?: string }) => {
        const cfg: ClassifierConfig = deepMerge(CLASSIFIER_DEFAULTS, {
          backend: f.backend ?? process.env.RESDET_BACKEND ?? 'auto',
          data: { limit: f.images, testLimit: f.testImages, augment: { padCrop: 0, flip: true } },
          solver: { epochs: 1, batchSize: 64, lr: 0.1, policy: 'cosine', warmupIters: 10 },
        });
        await initBackend(cfg.backend);
        process.stderr.write(`resdet demo: ${backendChoice()?.reason}\n`);
        // every demo starts over; an earlier demo's files are moved into previous-<time>/
        const r = await trainClassifier(cfg, { out: f.out, force: true });
        const metrics = {
          task: 'classification (ResNet-20, Fashion-MNIST)',
          top1: r.test?.top1,
          top5: r.test?.top5,
          test_images: r.test?.images,
          train_images: f.images,
          train_seconds: r.trainSeconds,
          images_per_second: r.imagesPerSecond,
          backend: r.backend,
          checkpoint: path.relative(process.cwd(), r.checkpoint),
        };
        await atomicWrite(path.join(f.out, 'metrics.json'), [Buffer.from(JSON.stringify(metrics, null, 2) + '\n')]);
        process.stdout.write(
          `demo: ResNet-20 on ${f.images} Fashion-MNIST images in ${r.trainSeconds.toFixed(0)} s (${r.backend}): ` +
            `test top-1 ${((r.test?.top1 ?? 0) * 100).toFixed(1)}% on ${r.test?.images} images → ${path.join(f.out, 'metrics.json')}\n`,
        );
      }),
    );
}
