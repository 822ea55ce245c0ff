/** Opening a classification dataset by name, as the CLI and trainer do. */
import * as fs from 'fs';
import { loadCifar10 } from './cifar10';
import { FASHION_MNIST_DIR, loadFashionMnist } from './fashion_mnist';
import { loadImageFolder } from './image_folder';
import { padDataset } from './pad';
import { resizedDataset } from './resized';
import { ClassificationDataset, DatasetError, InMemoryClassificationDataset } from './types';

export * from './types';
export { makeBatch, makeBatchSync } from './batcher';
export type { Augment, Batch, BatchOptions } from './batcher';
export { epochBatches } from './epochs';
export { loadFashionMnist, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR } from './fashion_mnist';
export { loadCifar10, CIFAR10_CLASSES } from './cifar10';
export { loadImageFolder } from './image_folder';
export { padDataset } from './pad';
export { resizedDataset, resizeBilinear } from './resized';
export { preprocessImagenet, imagenetCrop, IMAGENET_MEAN, IMAGENET_STD } from './imagenet_preprocess';

export type ClassificationDatasetName = 'fashion-mnist' | 'cifar10' | 'folder';
export const CLASSIFICATION_DATASETS: ClassificationDatasetName[] = ['fashion-mnist', 'cifar10', 'folder'];

export interface ClassificationSpec {
  name: ClassificationDatasetName;
  /** data folder; fashion-mnist defaults to /usr/share/datasets/fashion-mnist, the others need one */
  dir?: string;
  split: 'train' | 'test';
  limit?: number;
  /** output side: folders resize on decoding (default: the first image's size); Fashion-MNIST and CIFAR-10
   *  items are resampled bilinearly (default: their own 28 / 32) */
  imageSize?: number;
  /** zero-pad smaller images to padTo x padTo, centred (Fashion-MNIST 28x28 → 32x32 for the CIFAR nets) */
  padTo?: number;
}

/** Usual per-channel normalisation ([0, 1] pixel scale), from each training set's statistics. */
export const NORMALISATION: Record<'fashion-mnist' | 'cifar10' | 'imagenet', { mean: number[]; std: number[] }> = {
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

function sized(ds: InMemoryClassificationDataset, imageSize: number | undefined): InMemoryClassificationDataset {
  return imageSize === undefined ? ds : resizedDataset(ds, imageSize);
}

/** Opens a dataset; every failure is a DatasetError whose message names the path and says what to do. */
export async function openClassificationDataset(spec: ClassificationSpec): Promise<ClassificationDataset> {
  const ds = await openUnpadded(spec);
  return spec.padTo ? padDataset(ds, spec.padTo) : ds;
}

async function openUnpadded(spec: ClassificationSpec): Promise<ClassificationDataset> {
  if (spec.split !== 'train' && spec.split !== 'test') throw new DatasetError(`unknown split '${spec.split}' (train or test)`);
  const dir = spec.name === 'fashion-mnist' ? spec.dir ?? FASHION_MNIST_DIR : spec.dir;
  if (dir === undefined) throw new DatasetError(`dataset ${spec.name} needs a data folder: pass --data DIR`);
  if (!fs.existsSync(dir)) {
    const hint = spec.name === 'fashion-mnist' ? ' (install with `apt-get install dataset-fashion-mnist` or pass --data DIR)' : '';
    throw new DatasetError(`${spec.name}: data folder ${dir} does not exist${hint}`);
  }
  if (!fs.statSync(dir).isDirectory()) throw new DatasetError(`${spec.name}: ${dir} is not a directory`);
  switch (spec.name) {
    case 'fashion-mnist':
      return sized(loadFashionMnist({ dir, split: spec.split, limit: spec.limit }), spec.imageSize);
    case 'cifar10':
      return sized(loadCifar10({ dir, split: spec.split, limit: spec.limit }), spec.imageSize);
    case 'folder':
      return loadImageFolder({ dir, split: spec.split, limit: spec.limit, imageSize: spec.imageSize });
    default:
      throw new DatasetError(`unknown classification dataset '${(spec as { name: string }).name}' (${CLASSIFICATION_DATASETS.join(', ')})`);
  }
}
