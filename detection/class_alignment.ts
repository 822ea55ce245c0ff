/**
 * Which class of the dataset each class of a detector is. A detector's labels index its own class list (for an
 * imported torchvision COCO detector: 90 entries with torchvision's 'N/A' gaps) while a dataset's labels index
 * the dataset's (COCO: its categories in id order, 80 for COCO 2017), so an evaluation translates the detector's
 * labels before comparing. Classes are matched by name ('N/A' never matches); when no name matches but both lists
 * have the same length, by position (a detector imported with placeholder names). A detector class with no
 * counterpart maps to -1: its detections are not evaluated.
 */
import { ClassMap } from '../datasets/detection/record';

export class ClassAlignmentError extends Error {}

export interface ClassAlignment {
  /** dataset label of each detector label, or -1 */
  toDataset: Int32Array;
  /** 'name' | 'position' | 'identity' */
  by: 'identity' | 'name' | 'position';
  /** detector classes without a dataset counterpart (placeholders excluded) */
  unmatched: string[];
}

const PLACEHOLDER = 'N/A';

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

export function alignClasses(detector: ClassMap, dataset: ClassMap): ClassAlignment {
  const n = detector.names.length;
  if (sameList(detector.names, dataset.names)) return { toDataset: Int32Array.from({ length: n }, (_, i) => i), by: 'identity', unmatched: [] };
  const index = new Map(dataset.names.map((name, i) => [name, i]));
  const toDataset = Int32Array.from(detector.names, (name) => (name === PLACEHOLDER ? -1 : index.get(name) ?? -1));
  const unmatched = detector.names.filter((name, i) => name !== PLACEHOLDER && toDataset[i] < 0);
  if (toDataset.some((l) => l >= 0)) return { toDataset, by: 'name', unmatched };
  if (n === dataset.names.length) return { toDataset: Int32Array.from({ length: n }, (_, i) => i), by: 'position', unmatched: [] };
  throw new ClassAlignmentError(
    `the detector's ${n} classes (${detector.names.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''}) and the dataset's ` +
      `${dataset.names.length} (${dataset.names.slice(0, 5).join(', ')}${dataset.names.length > 5 ? ', …' : ''}) share no name`,
  );
}
