/**
 * What a detector's evaluation folder holds besides `voc_results/`: the detections (a COCO results file), the
 * ground truth they were evaluated against (COCO format, each image with resdet's `path` of the image file) and the
 * metrics. That is enough to report on an evaluation later (run/report/) or to evaluate it again:
 * `resdet eval coco EVAL/ground_truth.json EVAL/detections.json`.
 */
import * as fs from 'fs';
import * as path from 'path';

export const EVAL_FILES = { detections: 'detections.json', groundTruth: 'ground_truth.json', metrics: 'metrics.json' } as const;

/** Whether `dir` holds an evaluation with its ground truth (folders written before resdet kept it do not). */
export function isEvalFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, EVAL_FILES.detections)) && fs.existsSync(path.join(dir, EVAL_FILES.groundTruth));
}
