/**
 * Detection shared among the processes of a job (`resdet launch --nproc N -- eval model …` / `… predict …`):
 * process r of N takes images r, r + N, … (engine/distributed/shard.ts), runs the detector on them one image
 * at a time exactly as a single process would, and sends its detections (and the images it could not read)
 * to rank 0, which merges them back into the images' order — the detections of one process running over all
 * the images. Numbers travel as JSON: shortest round-trip decimals, so every box and score arrives bit for bit.
 */
import { World } from '../engine/distributed/world';
import { shardPositions } from '../engine/distributed/shard';
import { gatherJson } from '../engine/distributed/json_collectives';
import { SkippedFile } from '../datasets/detection/skipped_images';
import { ImageDetections } from './inference';

interface SentDetections {
  /** the image's position in the whole list */
  position: number;
  index: number;
  imageId: number;
  file: string;
  boxes: number[];
  scores: number[];
  labels: number[];
}

export interface Gathered {
  /** in the order of the whole list of images */
  detections: ImageDetections[];
  /** every process's unreadable images */
  skipped: SkippedFile[];
}

/** This process's positions among `n` images. */
export function myPositions(world: World, n: number): number[] {
  return shardPositions(n, world);
}

/**
 * Rank 0: every process's detections in the order of `position(d)` (the image's place in the whole list),
 * and every unreadable image; other ranks: null.
 */
export function gatherDetections(world: World, dets: ImageDetections[], skipped: SkippedFile[], position: (d: ImageDetections) => number): Gathered | null {
  const sent: SentDetections[] = dets.map((d) => ({
    position: position(d), index: d.index, imageId: d.imageId, file: d.file,
    boxes: Array.from(d.boxes), scores: Array.from(d.scores), labels: Array.from(d.labels),
  }));
  const all = gatherJson(world, { sent, skipped });
  if (!all) return null;
  const merged = all.flatMap((p) => p.sent).sort((a, b) => a.position - b.position);
  return {
    detections: merged.map((d) => ({
      index: d.index, imageId: d.imageId, file: d.file,
      boxes: Float64Array.from(d.boxes), scores: Float32Array.from(d.scores), labels: Int32Array.from(d.labels),
    })),
    skipped: all.flatMap((p) => p.skipped),
  };
}
