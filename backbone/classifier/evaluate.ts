/** Classification accuracy and mean cross-entropy of a ResNet on a dataset (eval mode, batches in order). */
import * as tf from '@tensorflow/tfjs';
import { ResNet } from '../resnet';
import { ClassificationDataset, makeBatch } from '../../datasets/classification';
import { newAccuracy, addBatch, accuracies, meanLoss } from '../../eval/classification_accuracy';
import { epochBatches } from '../../datasets/classification/epochs';
import { Progress } from '../../run/progress';
import { yieldToEventLoop } from '../../run/interrupt';

export interface ClassifierEvalResult {
  top1: number;
  top5: number;
  images: number;
  /** mean softmax cross-entropy */
  loss: number;
}

export async function evaluateClassifier(
  model: ResNet,
  ds: ClassificationDataset,
  norm: { mean: number[]; std: number[] },
  opts: { batchSize?: number; quiet?: boolean } = {},
): Promise<ClassifierEvalResult> {
  const K = model.options.numClasses;
  const acc = newAccuracy([1, 5]);
  const batches = epochBatches(ds.size, opts.batchSize ?? 256, null);
  const progress = new Progress('eval', ds.size, opts.quiet);
  const wasTraining = model.training;
  model.eval();
  try {
    for (const idx of batches) {
      const b = await makeBatch(ds, idx, { mean: norm.mean, std: norm.std });
      const logits = tf.tidy(() => model.forward(tf.tensor4d(b.images, b.shape)));
      addBatch(acc, logits.dataSync(), b.labels, K);
      logits.dispose();
      progress.update(acc.images, accuracies(acc));
      await yieldToEventLoop(); // Ctrl-C during a long evaluation is seen between batches
    }
  } finally {
    model.train(wasTraining);
    progress.stop();
  }
  const a = accuracies(acc);
  return { top1: a.top1, top5: a.top5, images: acc.images, loss: meanLoss(acc) };
}
