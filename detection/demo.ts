/**
 * The demo, end to end: make the synthetic shapes data (train and validation sets from different seeds),
 * train the small detector of configs/demo.yaml, evaluate it with VOC07 mAP@0.5 and COCO AP, draw its
 * predictions on a few validation images, and write REPORT.md (metrics table, loss curve) and metrics.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { synthShapes } from '../datasets/detection/synth';
import { drawBoxes } from '../datasets/detection/draw';
import { atomicWrite } from '../engine/atomic_write';
import { writeLossCurve } from '../run/loss_curve';
import { DetectorConfig } from './config';
import { trainDetector } from './trainer';
import { devkitImageset, evaluateDetector } from './evaluate';
import { drawnPaths } from '../datasets/detection/drawn_paths';
import { SkippedImages } from '../datasets/detection/skipped_images';
import { loadDetector } from './detector';
import { openDetectorDataset } from './open_dataset';

export interface DemoOptions {
  out: string;
  trainImages: number;
  valImages: number;
  quiet?: boolean;
  resume?: boolean;
  /** start over when the demo folder holds a run (its files are moved into previous-<time>/) */
  force?: boolean;
}

export interface DemoMetrics {
  voc07_map50: number;
  coco_ap: number;
  coco_ap50: number;
  train_seconds: number;
  backend: string;
  checkpoint: string;
}

async function ensureSynth(dir: string, split: 'train' | 'val', images: number, seed: number): Promise<void> {
  if (fs.existsSync(path.join(dir, 'annotations', `instances_${split}.json`))) return;
  await synthShapes({ out: dir, images, seed, format: 'coco', split });
}

export async function runDemo(cfg: DetectorConfig, opts: DemoOptions): Promise<DemoMetrics> {
  await ensureSynth(cfg.data.train.path, 'train', opts.trainImages, 1);
  await ensureSynth(cfg.data.test.path, 'val', opts.valImages, 2);
  const run = path.join(opts.out, 'train');
  const trained = await trainDetector(cfg, { out: run, quiet: opts.quiet, resume: opts.resume, force: opts.force });
  const detector = await loadDetector(trained.checkpoint);
  const val = await openDetectorDataset(cfg.data.test, detector.classes.names);
  const ev = await evaluateDetector(detector.model, cfg, val.records, detector.classes, {
    out: path.join(opts.out, 'eval'), quiet: opts.quiet, dataset: cfg.data.test.path, imageset: devkitImageset(cfg.data.test.split),
  });
  const predDir = path.join(opts.out, 'predictions');
  fs.mkdirSync(predDir, { recursive: true });
  const sample = val.records.slice(0, 8);
  const dets = await detector.detectFiles(sample.map((r) => r.file), { skipped: new SkippedImages() });
  const outs = drawnPaths(sample.map((r) => r.file), predDir);
  const drawn = new Map(sample.map((r, i) => [path.resolve(r.file), outs[i]]));
  for (const d of dets) {
    const objects = Array.from(d.scores.keys()).filter((k) => d.scores[k] >= 0.5).map((k) => ({ box: d.boxes.subarray(4 * k, 4 * k + 4), label: d.labels[k], note: d.scores[k].toFixed(2) }));
    await drawBoxes(d.file, objects, detector.classes.names, drawn.get(d.file)!);
  }
  detector.dispose();
  await writeLossCurve(path.join(run, 'log.jsonl'), path.join(opts.out, 'loss.png'), 'demo detector: total training loss');
  const metrics: DemoMetrics = {
    voc07_map50: ev.metrics.voc07_map50,
    coco_ap: ev.metrics.coco_ap,
    coco_ap50: ev.metrics.coco_ap50,
    train_seconds: trained.trainSeconds,
    backend: trained.backend,
    checkpoint: path.relative(process.cwd(), trained.checkpoint),
  };
  await atomicWrite(path.join(opts.out, 'metrics.json'), [Buffer.from(JSON.stringify(metrics, null, 2) + '\n')]);
  const perClass = detector.classes.names.map((n) => `| ${n} | ${ev.voc07.ap[n].toFixed(3)} | ${(ev.coco.perCategory?.find((c) => c.name === n)?.ap ?? -1).toFixed(3)} |`);
  const report = [
    '# resdet demo report',
    '',
    `Faster R-CNN ${cfg.model.type === 'fpn' ? `FPN (${cfg.model.fpn.outChannels} channels)` : 'C4'} on ${cfg.model.arch} (width x${cfg.model.widthMultiplier}), trained from scratch for ${trained.steps} iterations ` +
      `(${cfg.solver.imsPerBatch} images each) on ${opts.trainImages} synthetic images in ${trained.trainSeconds.toFixed(0)} s on the ${trained.backend} backend; ` +
      `evaluated on ${val.records.length} validation images made from another seed.`,
    '',
    '| metric | value |',
    '|---|---|',
    `| VOC07 11-point mAP@0.5 | ${metrics.voc07_map50.toFixed(3)} |`,
    `| VOC area mAP@0.5 | ${ev.metrics.voc_area_map50.toFixed(3)} |`,
    `| COCO AP@[.5:.95] | ${metrics.coco_ap.toFixed(3)} |`,
    `| COCO AP50 | ${metrics.coco_ap50.toFixed(3)} |`,
    `| COCO AP75 | ${ev.metrics.coco_ap75.toFixed(3)} |`,
    '',
    '| class | VOC07 AP@0.5 | COCO AP |',
    '|---|---|---|',
    ...perClass,
    '',
    '![training loss](loss.png)',
    '',
    `Checkpoint: \`${metrics.checkpoint}\`. Predictions drawn on validation images: \`predictions/\`. ` +
      `Detections: \`eval/detections.json\` (COCO results) and \`eval/voc_results/\` (devkit layout).`,
    '',
  ];
  await atomicWrite(path.join(opts.out, 'REPORT.md'), [Buffer.from(report.join('\n'))]);
  return metrics;
}
