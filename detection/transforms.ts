/**
 * The image transforms of a detector config: training's (multi-scale short sides, flip, optional photometric
 * jitter) and inference's (one short side, nothing random). Inference and evaluation take theirs from here, so
 * they never import the trainer.
 */
import { DetectorConfig } from './config';
import { TransformOptions } from '../datasets/detection/pipeline/transforms';

export function trainTransforms(cfg: DetectorConfig): TransformOptions {
  const { shortSides, maxSize, flip, normalization, resize, includeDifficult, photometric } = cfg.data;
  // jitter only when asked for: drawing its factors would change the random stream of runs without it
  const jitter = Object.values(photometric).some((x) => x > 0) ? { ...photometric } : undefined;
  return { shortSides, maxSize, flip, normalization, resize, includeDifficult, ...(jitter ? { jitter } : {}) };
}

export function testTransforms(cfg: DetectorConfig): TransformOptions {
  return { shortSides: [cfg.data.testShortSide], maxSize: cfg.data.maxSize, flip: false, normalization: cfg.data.normalization, resize: cfg.data.resize, includeDifficult: true };
}
