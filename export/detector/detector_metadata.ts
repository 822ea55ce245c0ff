/**
 * What an exported detector says about itself: a doc string for people and metadata for programs.
 * `resdet.detector` holds the class map (names, dataset category ids) and the test transform as JSON, which is
 * all `predict --engine onnxruntime` needs to run a `.onnx` file by itself.
 */
import type { ClassMap } from '../../datasets/detection/record';
import type { TransformOptions } from '../../datasets/detection/pipeline/transforms';
import { modelInfoFromMetadata } from '../model_info';

export const DETECTOR_KEY = 'resdet.detector';

export interface DetectorInfo {
  layout: string;
  arch: string;
  classes: ClassMap;
  transform: TransformOptions;
}

export function detectorDocString(info: DetectorInfo, source: string): string {
  const t = info.transform;
  return [
    `resdet Faster R-CNN (${info.layout}, ${info.arch}, ${info.classes.names.length} classes), exported from ${source}; batch norm folded into the convolutions.`,
    `Input 'image': float32 [3, H, W], RGB values 0-255, any size. The graph resizes it (shorter side ${t.shortSides[0]}, longer at most ${t.maxSize}), normalises (${t.normalization}) and pads it itself.`,
    `Outputs: 'boxes' [N, 4] (x1, y1, x2, y2 in input pixels), 'labels' [N] (int64 class index; names: metadata '${DETECTOR_KEY}'), 'scores' [N], by descending score.`,
  ].join('\n');
}

export function detectorMetadata(info: DetectorInfo, source: string): Record<string, string> {
  return { 'resdet.kind': 'detector', [DETECTOR_KEY]: JSON.stringify(info), 'resdet.source': source };
}

/** The DetectorInfo an exported file carries; `file` names it in the error when it carries none. */
export function detectorInfoFromMetadata(meta: Record<string, string>, file: string): DetectorInfo {
  return modelInfoFromMetadata<DetectorInfo>(meta, file, 'detector', DETECTOR_KEY);
}
