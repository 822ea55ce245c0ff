/**
 * Zero-padding a dataset's images to a larger square, centred: Fashion-MNIST's 28x28 items become 32x32 like
 * CIFAR's (2 pixels on each side), so the CIFAR nets see the input size they were designed for. The pad is
 * pixel value 0, Fashion-MNIST's black background.
 */
import { ClassificationDataset, DatasetError } from './types';

function padItem(px: Uint8Array, [h, w, c]: [number, number, number], side: number): Uint8Array {
  const out = new Uint8Array(side * side * c);
  const top = Math.floor((side - h) / 2);
  const left = Math.floor((side - w) / 2);
  for (let y = 0; y < h; y++) out.set(px.subarray(y * w * c, (y + 1) * w * c), ((top + y) * side + left) * c);
  return out;
}

/** The dataset with every image padded to side x side (unchanged if it already is that size). */
export function padDataset(ds: ClassificationDataset, side: number): ClassificationDataset {
  const [h, w, c] = ds.imageShape;
  if (h === side && w === side) return ds;
  if (h > side || w > side) throw new DatasetError(`${ds.name}: cannot pad ${h}x${w} images to ${side}x${side} (they are larger)`);
  return {
    name: ds.name,
    classNames: ds.classNames,
    size: ds.size,
    imageShape: [side, side, c],
    image(i) {
      const px = ds.image(i);
      return px instanceof Uint8Array ? padItem(px, ds.imageShape, side) : px.then((p) => padItem(p, ds.imageShape, side));
    },
    label: (i) => ds.label(i),
  };
}
