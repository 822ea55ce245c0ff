/**
 * Evaluating a detector on a dataset with the evaluators of eval/: COCO AP (pycocotools semantics) and Pascal
 * VOC mAP@0.5 (07 11-point and area), whatever the dataset's format, with its detections kept as a COCO
 * results file (`detections.json`) and in the devkit layout (`voc_results/`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../engine/atomic_write';
import { DatasetRecord, ClassMap } from '../datasets/detection/record';
import { continuousToVoc } from '../datasets/detection/voc';
import { evaluateCoco } from '../eval/coco/coco_eval';
import { CocoDatasetJson, CocoEvaluation } from '../eval/coco/coco_types';
import { evaluateVoc } from '../eval/voc/voc_eval';
import { VocDetection, VocEvaluation, VocGroundTruth, VocMetric } from '../eval/voc/voc_types';
import { writeVocResults } from '../eval/voc/voc_results_files';
import { DetectorConfig } from './config';
import type { DetectorModel } from './modeling/detector_model';
import { detectRecords, ImageDetections, toCocoResults } from './inference';
import { openDetectorDataset } from './open_dataset';
import { alignClasses, ClassAlignment } from './class_alignment';
import { testTransforms } from './transforms';
import { SkippedImages } from '../datasets/detection/skipped_images';
import { EVAL_FILES } from '../eval/eval_folder';
import { World } from '../engine/distributed/world';
import { gatherDetections, myPositions } from './sharded_detection';

export interface DetectorMetrics {
  voc07_map50: number;
  voc_area_map50: number;
  coco_ap: number;
  coco_ap50: number;
  coco_ap75: number;
  /** COCO AP@[.5:.95] of small (< 32² px), medium and large (> 96² px) objects; -1 when a size has no object */
  coco_ap_small: number;
  coco_ap_medium: number;
  coco_ap_large: number;
  /** images evaluated: the readable ones */
  images: number;
  detections: number;
  /** distinct images that could not be read, left out of the evaluation (datasets/detection/skipped_images.ts) */
  skipped_images: number;
}

export interface DetectorEvaluation {
  metrics: DetectorMetrics;
  coco: CocoEvaluation;
  voc07: VocEvaluation;
  vocArea: VocEvaluation;
  detectionsFile: string;
  /** the devkit results folder and the image set its files are named by (comp4_det_<imageset>_<class>.txt) */
  vocResultsDir: string;
  imageset: string;
}

/** The devkit image set of a split: voc_2007_val → val; a plain split is itself; none → test. */
export function devkitImageset(split?: string | null): string {
  if (!split) return 'test';
  return split.split('+')[0].match(/^voc_\d{4}_(\w+)$/)?.[1] ?? split;
}

function vocName(r: DatasetRecord): string {
  return r.name ?? String(r.imageId);
}

export function cocoGroundTruth(records: DatasetRecord[], classes: ClassMap): CocoDatasetJson {
  let id = 1;
  const annotations: CocoDatasetJson['annotations'] = [];
  for (const r of records) {
    for (let i = 0; i < r.labels.length; i++) {
      const [x1, y1, x2, y2] = r.boxes.subarray(4 * i, 4 * i + 4);
      const area = r.areas?.[i] ?? (x2 - x1) * (y2 - y1);
      annotations.push({ id: id++, image_id: r.imageId, category_id: classes.categoryIds[r.labels[i]], bbox: [x1, y1, x2 - x1, y2 - y1], area, iscrowd: r.crowd[i] });
    }
  }
  return {
    // `path` (resdet's addition, ignored by COCO tools): where the image is, for reports drawn from the files alone
    images: records.map((r) => ({ id: r.imageId, width: r.width, height: r.height, file_name: path.basename(r.file), path: path.resolve(r.file) })),
    annotations,
    categories: classes.names.map((name, k) => ({ id: classes.categoryIds[k], name })),
  };
}

export function vocGroundTruth(records: DatasetRecord[], classes: ClassMap): VocGroundTruth {
  const objects = new Map<string, { name: string; difficult: boolean; box: [number, number, number, number] }[]>();
  for (const r of records) {
    const objs = [];
    for (let i = 0; i < r.labels.length; i++) {
      if (r.crowd[i]) continue;
      objs.push({ name: classes.names[r.labels[i]], difficult: !!r.difficult[i], box: continuousToVoc(r.boxes.subarray(4 * i, 4 * i + 4)) });
    }
    objects.set(vocName(r), objs);
  }
  return { imageIds: records.map(vocName), objects };
}

function vocDetections(dets: ImageDetections[], records: DatasetRecord[], classes: ClassMap): Array<VocDetection & { continuous: Float64Array }> {
  const out: Array<VocDetection & { continuous: Float64Array }> = [];
  for (const d of dets) {
    const imageId = vocName(records[d.index]);
    for (let k = 0; k < d.scores.length; k++) {
      const b = d.boxes.subarray(4 * k, 4 * k + 4);
      out.push({ imageId, className: classes.names[d.labels[k]], score: d.scores[k], box: [b[0] + 1, b[1] + 1, b[2], b[3]], continuous: b });
    }
  }
  return out;
}

/** Detections in the dataset's label space; a detection of a class the dataset lacks is dropped. */
function translateLabels(dets: ImageDetections[], align: ClassAlignment): ImageDetections[] {
  if (align.by !== 'name') return dets;
  return dets.map((d) => {
    const keep = [...d.labels.keys()].filter((k) => align.toDataset[d.labels[k]] >= 0);
    return {
      ...d,
      boxes: Float64Array.from(keep.flatMap((k) => [...d.boxes.subarray(4 * k, 4 * k + 4)])),
      scores: Float32Array.from(keep, (k) => d.scores[k]),
      labels: Int32Array.from(keep, (k) => align.toDataset[d.labels[k]]),
    };
  });
}

export interface EvaluationOptions {
  out: string;
  quiet?: boolean;
  modelClasses?: ClassMap;
  dataset?: string;
  imageset?: string;
  skipped?: SkippedImages;
}

/**
 * Runs `model` over `records` and evaluates it against their boxes. `classes` is the dataset's class map;
 * `modelClasses`, when the detector's own list differs (an imported COCO detector on a dataset), is matched to it
 * by name (detection/class_alignment.ts). Unreadable images are skipped (said on the console, counted in
 * `skipped_images`, left out of the ground truth); none readable is a DatasetError naming `opts.dataset`.
 * `opts.skipped`: the images already skipped while opening the dataset (detection/open_dataset.ts), counted too.
 * Devkit results are named by `opts.imageset` (default test), so `eval voc --imageset` reads them.
 */
export async function evaluateDetector(
  model: DetectorModel,
  cfg: DetectorConfig,
  records: DatasetRecord[],
  classes: ClassMap,
  opts: EvaluationOptions,
): Promise<DetectorEvaluation> {
  const skipped = opts.skipped ?? new SkippedImages();
  const onSkip = (file: string, message: string) => void skipped.add(file, message);
  const { detections } = await detectRecords(model, records, testTransforms(cfg), { quiet: opts.quiet, onSkip });
  return scoreDetections(detections, records, classes, { ...opts, skipped });
}

/**
 * evaluateDetector shared among the processes of `world` (detection/sharded_detection.ts): each detects its
 * share of `records`, rank 0 evaluates them all — the evaluation of one process — and the others get null.
 */
export async function evaluateDetectorInJob(
  world: World,
  model: DetectorModel,
  cfg: DetectorConfig,
  records: DatasetRecord[],
  classes: ClassMap,
  opts: EvaluationOptions,
): Promise<DetectorEvaluation | null> {
  if (world.size === 1) return evaluateDetector(model, cfg, records, classes, opts);
  const mine = myPositions(world, records.length);
  const skippedHere = new SkippedImages(null);
  const onSkip = (file: string, message: string) => void skippedHere.add(file, message);
  const quiet = opts.quiet || world.rank !== 0;
  const { detections } = await detectRecords(model, mine.map((p) => records[p]), testTransforms(cfg), { quiet, onSkip });
  // detectRecords numbers the images of its list; in the whole list, image k of this share is at mine[k]
  const found = gatherDetections(world, detections.map((d) => ({ ...d, index: mine[d.index] })), skippedHere.list, (d) => d.index);
  if (!found) return null;
  const skipped = opts.skipped ?? new SkippedImages();
  for (const f of found.skipped) skipped.add(f.file, f.reason);
  return scoreDetections(found.detections, records, classes, { ...opts, skipped });
}

/**
 * The evaluation of `found` (detections of `records`, in the detector's label space, indexed by record):
 * detections.json, ground_truth.json, the devkit results, COCO and VOC metrics, metrics.json.
 */
export async function scoreDetections(
  found: ImageDetections[],
  records: DatasetRecord[],
  classes: ClassMap,
  opts: EvaluationOptions & { skipped: SkippedImages },
): Promise<DetectorEvaluation> {
  const align = alignClasses(opts.modelClasses ?? classes, classes);
  const skipped = opts.skipped;
  const detections = translateLabels(found, align);
  skipped.requireSome(detections.length, opts.dataset ?? 'the dataset');
  const readable = records.filter((r) => !skipped.has(r.file));
  const results = toCocoResults(detections, classes);
  fs.mkdirSync(opts.out, { recursive: true });
  const detectionsFile = path.join(opts.out, EVAL_FILES.detections);
  await atomicWrite(detectionsFile, [Buffer.from(JSON.stringify(results))]);
  const groundTruth = cocoGroundTruth(readable, classes);
  await atomicWrite(path.join(opts.out, EVAL_FILES.groundTruth), [Buffer.from(JSON.stringify(groundTruth))]);
  const coco = evaluateCoco(groundTruth, results.map(({ image_id, category_id, bbox, score }) => ({ image_id, category_id, bbox, score })));
  const gt = vocGroundTruth(readable, classes);
  const vdets = vocDetections(detections, records, classes);
  const imageset = opts.imageset ?? 'test';
  const vocResultsDir = path.join(opts.out, 'voc_results');
  writeVocResults(vocResultsDir, imageset, vdets.map((d) => ({ imageId: d.imageId, className: d.className, score: d.score, box: d.continuous })), classes.names);
  const voc = (metric: VocMetric) => evaluateVoc(gt, vdets, { metric, classes: classes.names });
  const voc07 = voc('07');
  const vocArea = voc('area');
  const metrics: DetectorMetrics = {
    voc07_map50: voc07.map,
    voc_area_map50: vocArea.map,
    coco_ap: coco.stats[0],
    coco_ap50: coco.stats[1],
    coco_ap75: coco.stats[2],
    coco_ap_small: coco.stats[3],
    coco_ap_medium: coco.stats[4],
    coco_ap_large: coco.stats[5],
    images: readable.length,
    detections: results.length,
    skipped_images: skipped.count,
  };
  await atomicWrite(path.join(opts.out, EVAL_FILES.metrics), [Buffer.from(JSON.stringify(metrics, null, 2) + '\n')]);
  return { metrics, coco, voc07, vocArea, detectionsFile, vocResultsDir, imageset };
}

/** An `evaluate` callback for the trainer: the config's test split, results under `<out>/eval/step-N/`. */
export function evaluatorFor(cfg: DetectorConfig, out: string, opts: { quiet?: boolean } = {}) {
  return async (model: DetectorModel, step: number): Promise<Record<string, unknown>> => {
    const skipped = new SkippedImages();
    const ds = await openDetectorDataset(cfg.data.test, undefined, skipped);
    const records = cfg.eval.limit ? ds.records.slice(0, cfg.eval.limit) : ds.records;
    const ev = await evaluateDetector(model, cfg, records, ds.classes, {
      out: path.join(out, 'eval', `step-${step}`), quiet: opts.quiet, dataset: cfg.data.test.path, imageset: devkitImageset(cfg.data.test.split), skipped,
    });
    return { ...ev.metrics };
  };
}
