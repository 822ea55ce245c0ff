/** Opens the dataset a detector config names; data errors stop here, before any training. */
import { openDetectionDataset } from '../datasets/detection/detect_format';
import { throwIfErrors } from '../datasets/detection/validate';
import { DetectionDataset } from '../datasets/detection/record';
import { DatasetSpec } from './config';

export async function openDetectorDataset(spec: DatasetSpec, classes?: string[]): Promise<DetectionDataset> {
  const ds = await openDetectionDataset(spec.path, { format: spec.format ?? undefined, split: spec.split ?? undefined, classes: classes ?? spec.classes ?? undefined });
  throwIfErrors(ds);
  return ds;
}
