/** Orders boxes by (category, image), keeping file order within each pair: two stable counting sorts. */
import { BoxColumns } from './coco_types';

export interface GroupedBoxes {
  /** Box indices sorted by category, then image (ascending id), then position in the input. */
  order: Int32Array;
  /** order[catStart[k] .. catStart[k+1]) are the boxes of category k. */
  catStart: Int32Array;
}

function countingSort(keys: Int32Array, input: Int32Array, buckets: number): { out: Int32Array; start: Int32Array } {
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < input.length; i++) start[keys[input[i]] + 1]++;
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const fill = start.slice(0, buckets);
  const out = new Int32Array(input.length);
  for (let i = 0; i < input.length; i++) out[fill[keys[input[i]]]++] = input[i];
  return { out, start };
}

export function groupByCategoryImage(cols: BoxColumns, numImages: number, numCategories: number): GroupedBoxes {
  const identity = new Int32Array(cols.count);
  for (let i = 0; i < cols.count; i++) identity[i] = i;
  const byImage = countingSort(cols.image, identity, numImages).out;
  const { out, start } = countingSort(cols.category, byImage, numCategories);
  return { order: out, catStart: start };
}
