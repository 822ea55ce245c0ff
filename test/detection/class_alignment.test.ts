/** detection/class_alignment.ts: a detector's labels translated into a dataset's before evaluation. */
import { alignClasses, ClassAlignmentError } from '../../detection/class_alignment';

const map = (names: string[], ids?: number[]) => ({ names, categoryIds: ids ?? names.map((_, i) => i + 1) });

test('the same list is the identity', () => {
  const a = alignClasses(map(['cat', 'dog']), map(['cat', 'dog']));
  expect(a.by).toBe('identity');
  expect([...a.toDataset]).toEqual([0, 1]);
});

test("torchvision's COCO list with N/A gaps onto COCO's contiguous categories, by name", () => {
  // torchvision labels 0..12 are COCO ids 1..13, id 12 unused ('N/A'); the dataset has 12 categories
  const tv = ['person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light', 'fire hydrant', 'N/A', 'stop sign'];
  const coco = tv.filter((n) => n !== 'N/A');
  const a = alignClasses(map(tv), map(coco, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]));
  expect(a.by).toBe('name');
  expect(a.toDataset[11]).toBe(-1); // N/A: its detections are dropped
  expect(a.toDataset[12]).toBe(11); // stop sign: dataset label 11 (COCO id 13)
  expect(a.toDataset[0]).toBe(0);
  expect(a.unmatched).toEqual([]);
});

test('classes the dataset lacks are listed and dropped; a dataset in another order is followed', () => {
  const a = alignClasses(map(['cat', 'dog', 'bird']), map(['dog', 'cat']));
  expect([...a.toDataset]).toEqual([1, 0, -1]);
  expect(a.unmatched).toEqual(['bird']);
});

test('placeholder names of the same count align by position; no common name otherwise is an error', () => {
  expect(alignClasses(map(['class_1', 'class_2']), map(['cat', 'dog'])).by).toBe('position');
  expect(() => alignClasses(map(['class_1', 'class_2', 'class_3']), map(['cat', 'dog']))).toThrow(ClassAlignmentError);
  expect(() => alignClasses(map(['class_1', 'class_2', 'class_3']), map(['cat', 'dog']))).toThrow(/share no name/);
});
