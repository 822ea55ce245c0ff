/**
 * Opens the dataset a detector config names; data errors stop here, before any training. With `skipped`, images
 * the loader could not read are skipped (said, counted: datasets/detection/skipped_images.ts) instead of being
 * errors, and a dataset with no readable image left is "no readable images in …".
 */
import { openDetectionDataset } from '../datasets/detection/detect_format';
import { throwIfErrors } from '../datasets/detection/validate';
import { DetectionDataset } from '../datasets/detection/record';
import { SkippedImages } from '../datasets/detection/skipped_images';
import { DatasetSpec } from './config';

export async function openDetectorDataset(spec: DatasetSpec, classes?: string[], skipped?: SkippedImages): Promise<DetectionDataset> {
  const ds = await openDetectionDataset(spec.path, { format: spec.format ?? undefined, split: spec.split ?? undefined, classes: classes ?? spec.classes ?? undefined });
  if (!skipped) {
    throwIfErrors(ds);
    return ds;
  }
  for (const p of ds.problems) if (p.unreadable) skipped.add(p.file, p.message);
  const rest = { ...ds, problems: ds.problems.filter((p) => !p.unreadable) };
  throwIfErrors(rest);
  if (rest.records.length === 0 && skipped.count > 0) throw skipped.noneReadable(spec.path);
  return rest;
}
