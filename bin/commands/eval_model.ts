/** `resdet eval model --weights CKPT [--config C] [--split test]`: run a detector over a split and evaluate it. */
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { action, collect, intFlag } from '../errors';
import { initBackend } from '../../engine/backend';
import { atomicWrite } from '../../engine/atomic_write';
import { loadDetector } from '../../detection/detector';
import { devkitImageset, evaluateDetectorInJob } from '../../detection/evaluate';
import { processWorld } from '../../engine/distributed/world';
import { DatasetSpec } from '../../detection/config';
import { detectFormat } from '../../datasets/detection/detect_format';
import { DETECTION_FORMATS, DetectionFormat } from '../../datasets/detection/record';
import { openDetectorDataset } from '../../detection/open_dataset';
import { vocReportLines } from '../../eval/voc/voc_report';
import { loadDetectorConfig } from './train';
import { checkOutputDir, checkOutputFile } from './eval_action';
import { SkippedImages, skippedNote } from '../../datasets/detection/skipped_images';

/**
 * The split to evaluate: the config's data.test, or --data in its own format (detected, or --format); the config's
 * split carries over to --data only when the formats agree.
 */
function testSpec(test: DatasetSpec, f: { data?: string; format?: DetectionFormat; split?: string }): DatasetSpec {
  if (!f.data) return { ...test, ...(f.format ? { format: f.format } : {}), ...(f.split ? { split: f.split } : {}) };
  const format = f.format ?? detectFormat(f.data);
  return { ...test, path: f.data, format, split: f.split ?? (format === test.format ? test.split : null) };
}
import { backendOption } from '../backend_option';
import { required } from '../required';
import { writeReportAfter } from './report';

export function evalModelCommand(): Command {
  return new Command('model')
    .description("evaluate a detector checkpoint on its config's test split (COCO AP and VOC mAP@0.5)")
    .requiredOption('--weights <path>', required('detector checkpoint or run folder'))
    .option('--config <file>', "config whose data.test to use (default: the checkpoint's own)")
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .option('--split <name>', "dataset split to evaluate (default: the config's data.test.split)")
    .option('--data <path>', "dataset path, any format (VOC, COCO, CSV, YOLO; default: the config's data.test.path)")
    .addOption(new Option('--format <format>', 'format of --data (detected when omitted)').choices(DETECTION_FORMATS))
    .option('--limit <n>', 'first N images', intFlag('--limit'))
    .option('--out <dir>', 'where detections.json and the devkit results go (default: <run>/eval)')
    .option('--json <file>', 'write the metrics as JSON')
    .addOption(backendOption())
    .option('--quiet', 'no progress output')
    .action(
      action(async (f: { weights: string; config?: string; set: string[]; split?: string; data?: string; format?: DetectionFormat; limit?: number; out?: string; json?: string; backend?: string; quiet?: boolean }) => {
        checkOutputFile('--json', f.json); // before any work, as eval coco / eval voc
        checkOutputDir('--out', f.out);
        await initBackend(f.backend);
        // --set model.… (test proposals, score threshold, NMS) applies to the detector, not only to the data
        const detector = await loadDetector(f.weights, { sets: f.set.filter((s) => s.startsWith('model.')) });
        const cfg = f.config || f.set.length ? loadDetectorConfig(f.config, f.set, f.config ? undefined : detector.config) : detector.config;
        const spec = testSpec(cfg.data.test, f);
        const skipped = new SkippedImages();
        const ds = await openDetectorDataset(spec, detector.classes.names, skipped);
        const records = f.limit ? ds.records.slice(0, f.limit) : ds.records;
        const out = f.out ?? path.join(fs.statSync(f.weights).isDirectory() ? f.weights : path.dirname(f.weights), 'eval');
        const imageset = devkitImageset(spec.split);
        // in a job of several processes (resdet launch), each detects its share and rank 0 evaluates them all
        const ev = await evaluateDetectorInJob(processWorld(), detector.model, cfg, records, ds.classes, { out, quiet: f.quiet, modelClasses: detector.classes, dataset: spec.path, imageset, skipped });
        if (!ev) return detector.dispose();
        const s = ev.coco.stats;
        const n = ev.metrics.images;
        const names = ['AP @[.50:.95] all 100', 'AP @.50 all 100', 'AP @.75 all 100', 'AP small', 'AP medium', 'AP large', 'AR @1', 'AR @10', 'AR @100', 'AR small', 'AR medium', 'AR large'];
        const skippedText = ev.metrics.skipped_images ? `; ${skippedNote(ev.metrics.skipped_images)}` : '';
        const lines = [`COCO bbox (${n} images${skippedText}):`, ...s.map((v, i) => `  ${names[i].padEnd(24)} ${v.toFixed(3)}`), '', `VOC07 11-point mAP@0.5:`, ...vocReportLines(ev.voc07, n)];
        lines.push('', `detections: ${ev.detectionsFile}`, `devkit results: ${ev.vocResultsDir} (comp4_det_${imageset}_<class>.txt; resdet eval voc --imageset ${imageset})`);
        process.stdout.write(lines.join('\n') + '\n');
        if (f.json) await atomicWrite(f.json, [Buffer.from(JSON.stringify(ev.metrics, null, 2) + '\n')]);
        detector.dispose();
        // the run's report when the evaluation went to its eval/ folder, else a report of this evaluation alone
        await writeReportAfter(f.out ? out : path.dirname(out), { quiet: f.quiet });
      }),
    );
}
