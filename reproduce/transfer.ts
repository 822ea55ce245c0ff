/**
 * The detection transfer comparison (issue 12, part 2; the paper's §4.3 in miniature): pretrain ImageNet-style
 * backbones on Fashion-MNIST classification (ordinary `classify train` runs), then train one Faster R-CNN recipe
 * (ordinary `train` runs) from each backbone's init on Fashion-MNIST composites, and evaluate every detector on
 * composites of the test split's items. Every run is a run folder under `out`; finished runs are skipped,
 * interrupted ones resume. Writes results.json, table.md and transfer.png.
 */
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../engine/atomic_write';
import { backendChoice, initBackend } from '../engine/backend';
import { resolveCheckpoint } from '../run/checkpoint';
import { trainClassifier } from '../backbone/classifier/train';
import { trainDetector } from '../detection/trainer';
import { evaluatorFor } from '../detection/evaluate';
import { synthFashionMnist } from '../datasets/detection/synth_fashion_mnist';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../datasets/classification/fashion_mnist';
import { TransferVariant, variantSpec, VariantSpec } from './transfer_variants';
import { commandLine, curveEvery, dataFolders, DETECTOR_CONFIG, detectorConfig, detectorSets, PRETRAIN_CONFIG, pretrainConfig, pretrainSets, TransferBudget } from './transfer_configs';
import { prepareRunFolder, runSeconds } from './run_folder';
import { transferCurve } from './transfer_curve';
import { detectorSeconds, formatDuration, pretrainSeconds } from './transfer_estimate';
import { PretrainRun, TransferFinal, TransferResults, TransferRun, TRANSFER_CURVE_COLUMNS } from './transfer_results';
import { transferTable } from './transfer_report';
import { writeTransferFigure } from './transfer_figure';
import { gitCommit } from './provenance';
import { ReproductionResults, writeResults } from './results';

export interface TransferOptions extends TransferBudget {
  out: string;
  seeds: number[];
  variants: TransferVariant[];
  backend?: string;
  quiet?: boolean;
  /** the command line that started the comparison (for results.json) */
  command: string;
  /** progress and plan lines (stderr by default) */
  say?: (line: string) => void;
}

interface Job {
  label: string;
  estimate: number;
  done: boolean;
  run: () => Promise<void>;
}

const json = (v: unknown) => [Buffer.from(JSON.stringify(v, null, 2) + '\n')];

async function ensureCanvases(dir: string, split: 'train' | 'val', images: number, dataDir: string | null): Promise<void> {
  if (fs.existsSync(path.join(dir, 'annotations', `instances_${split}.json`))) return;
  await synthFashionMnist({ out: dir, images, seed: split === 'train' ? 1 : 2, format: 'coco', split, dir: dataDir ?? undefined });
}

function pretrainJob(arch: string, o: TransferOptions): { job: Job; folder: string; result: () => PretrainRun } {
  const folder = path.join(o.out, 'pretrain', arch);
  const sets = pretrainSets(arch, o);
  const cfg = pretrainConfig(sets, o.backend);
  const command = commandLine('classify train', PRETRAIN_CONFIG, folder, sets);
  const metricsFile = path.join(folder, 'metrics.json');
  prepareRunFolder(folder, cfg); // refuses a folder of another config, before anything runs
  const images = o.pretrainImages ?? 60000;
  const job: Job = {
    label: `pretrain ${arch} (Fashion-MNIST at ${cfg.data.imageSize}x${cfg.data.imageSize}, ${cfg.solver.epochs} epochs of ${images} images)`,
    estimate: pretrainSeconds(arch, o.width, images, cfg.solver.epochs, cfg.data.imageSize ?? 28, cfg.data.testLimit ?? 10000),
    done: fs.existsSync(metricsFile),
    run: async () => {
      await trainClassifier(cfg, { out: folder, resume: true, quiet: o.quiet });
    },
  };
  const result = (): PretrainRun => {
    const m = JSON.parse(fs.readFileSync(metricsFile, 'utf8'));
    return { arch, top1: m.top1, top5: m.top5, testImages: m.images, seconds: runSeconds(path.join(folder, 'log.jsonl')), command, checkpoint: resolveCheckpoint(folder).model };
  };
  return { job, folder, result };
}

function detectorJob(v: VariantSpec, seed: number, pretrained: string | null, o: TransferOptions): { job: Job; result: () => TransferRun } {
  const folder = path.join(o.out, `${v.name}-s${seed}`);
  const sets = detectorSets(v, seed, pretrained, o.out, o);
  const cfg = detectorConfig(sets, o.backend);
  const command = commandLine('train', DETECTOR_CONFIG, folder, sets);
  const metricsFile = path.join(folder, 'metrics.json');
  prepareRunFolder(folder, cfg);
  const evals = Math.floor((cfg.solver.maxIters - 1) / cfg.eval.period) + 1;
  const job: Job = {
    label: `${v.name} seed ${seed} (${cfg.solver.maxIters} iterations)`,
    estimate: detectorSeconds(v.arch, o.width, cfg.solver.maxIters, cfg.solver.imsPerBatch, cfg.data.shortSides[0], evals, o.testCanvases),
    done: fs.existsSync(metricsFile),
    run: async () => {
      const r = await trainDetector(cfg, { out: folder, resume: true, quiet: o.quiet, evaluate: evaluatorFor(cfg, folder, { quiet: o.quiet }) });
      await atomicWrite(metricsFile, json({ ...r.metrics, steps: r.steps, checkpoint: r.checkpoint, command }));
    },
  };
  const result = (): TransferRun => {
    const m = JSON.parse(fs.readFileSync(metricsFile, 'utf8'));
    const final: TransferFinal = {
      voc07_map50: m.voc07_map50,
      coco_ap: m.coco_ap,
      coco_ap50: m.coco_ap50,
      coco_ap_small: m.coco_ap_small,
      coco_ap_medium: m.coco_ap_medium,
      coco_ap_large: m.coco_ap_large,
    };
    const log = path.join(folder, 'log.jsonl');
    return { name: v.name, seed, final, curve: transferCurve(log, curveEvery(cfg.solver.maxIters)), seconds: runSeconds(log), command, run: folder };
  };
  return { job, result };
}

export async function runTransfer(o: TransferOptions): Promise<TransferResults> {
  const say = o.say ?? ((l: string) => process.stderr.write(l + '\n'));
  // a missing or broken Fashion-MNIST is reported (DatasetError, naming the folder) before anything runs
  loadFashionMnist({ dir: o.dataDir ?? FASHION_MNIST_DIR, split: 'test', limit: 1 });
  const backend = await initBackend(o.backend);
  const data = dataFolders(o.out, o);
  await ensureCanvases(data.train, 'train', o.trainCanvases, o.dataDir);
  await ensureCanvases(data.test, 'val', o.testCanvases, o.dataDir);

  const specs = o.variants.map(variantSpec);
  const archs = [...new Set(specs.filter((s) => s.pretrained).map((s) => s.arch))];
  const pre = new Map(archs.map((a) => [a, pretrainJob(a, o)]));
  const det = o.seeds.flatMap((seed) => specs.map((v) => detectorJob(v, seed, v.pretrained ? pre.get(v.arch)!.folder : null, o)));
  const jobs = [...[...pre.values()].map((p) => p.job), ...det.map((d) => d.job)];

  const pending = jobs.filter((j) => !j.done);
  const total = pending.reduce((s, j) => s + j.estimate, 0);
  const slow = backend === 'native' || backend === 'tensorflow' ? '' : ` (measured on native: ${backend} is several times slower)`;
  say(`reproduce transfer: ${jobs.length} runs, ${jobs.length - pending.length} already finished; ${backendChoice()?.reason}`);
  say(`estimated time: ${formatDuration(total)}${slow}`);
  const t0 = Date.now();
  let left = total;
  for (const [k, j] of jobs.entries()) {
    if (j.done) {
      say(`[${k + 1}/${jobs.length}] ${j.label}: finished earlier, skipped`);
      continue;
    }
    say(`[${k + 1}/${jobs.length}] ${j.label}: about ${formatDuration(j.estimate)}; all remaining about ${formatDuration(left)}`);
    await j.run();
    left -= j.estimate;
  }
  const results: TransferResults = {
    claim: 'transfer',
    dataset: `Fashion-MNIST composites (${FASHION_MNIST_CANVAS_TEXT}): ${o.trainCanvases} training canvases of train-split items, ${o.testCanvases} test canvases of test-split items`,
    curve_columns: TRANSFER_CURVE_COLUMNS,
    runs: det.map((d) => d.result()),
    pretraining: [...pre.values()].map((p) => p.result()),
    setup: {
      width: o.width,
      detectorConfig: path.relative(process.cwd(), DETECTOR_CONFIG),
      pretrainConfig: path.relative(process.cwd(), PRETRAIN_CONFIG),
      iterations: o.iters,
      imsPerBatch: detectorConfig(detectorSets(specs[0], 0, null, o.out, o)).solver.imsPerBatch,
      trainCanvases: o.trainCanvases,
      testCanvases: o.testCanvases,
      pretrainEpochs: o.pretrainEpochs,
      pretrainImages: o.pretrainImages ?? 60000,
      pretrainImageSize: pretrainConfig(pretrainSets('resnet18', o)).data.imageSize ?? 28,
    },
    backend: backendChoice()?.reason ?? backend,
    seconds: 0,
    command: o.command,
    commit: gitCommit(),
  };
  results.seconds = results.runs.reduce((s, r) => s + r.seconds, 0) + results.pretraining.reduce((s, p) => s + p.seconds, 0);
  await writeResults(path.join(o.out, 'results.json'), results as unknown as ReproductionResults);
  await atomicWrite(path.join(o.out, 'table.md'), [Buffer.from(transferTable(results))]);
  await writeTransferFigure(results, path.join(o.out, 'transfer.png'));
  say(`reproduce transfer: done in ${formatDuration((Date.now() - t0) / 1000)} (this session)`);
  return results;
}

const FASHION_MNIST_CANVAS_TEXT = '160x160 canvases, 2-5 tinted items of 18-100 px on a textured background';
