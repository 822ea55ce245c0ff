/** A classification dataset backed by one pixel buffer (N*H*W*C uint8, HWC per item) and a label array. */
import { checkIndex, InMemoryClassificationDataset } from './types';

export function inMemoryDataset(
  name: string,
  classNames: string[],
  imageShape: [number, number, number],
  pixels: Uint8Array,
  labels: Uint8Array | Int32Array,
): InMemoryClassificationDataset {
  const item = imageShape[0] * imageShape[1] * imageShape[2];
  const size = labels.length;
  if (pixels.length !== size * item) {
    throw new Error(`${name}: ${pixels.length} pixel bytes for ${size} items of ${item} bytes`);
  }
  const ds: InMemoryClassificationDataset = {
    name,
    classNames,
    size,
    imageShape,
    image(i) {
      checkIndex(ds, i);
      return pixels.subarray(i * item, (i + 1) * item);
    },
    label(i) {
      checkIndex(ds, i);
      return labels[i];
    },
  };
  return ds;
}
