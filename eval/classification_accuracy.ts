/**
 * Top-k accuracy over plain arrays: logits row-major [N, K], labels [N]. A tie with the label counts for it.
 * Also the summed softmax cross-entropy of the label (the mean is `meanLoss`).
 */
export interface AccuracyAccumulator {
  correct: Map<number, number>;
  images: number;
  lossSum: number;
}

export function newAccuracy(ks: number[]): AccuracyAccumulator {
  return { correct: new Map(ks.map((k) => [k, 0])), images: 0, lossSum: 0 };
}

/** −log softmax(row)[label], computed stably (log-sum-exp around the row's maximum). */
function crossEntropy(logits: ArrayLike<number>, o: number, numClasses: number, label: number): number {
  let max = -Infinity;
  for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[o + c]);
  let sum = 0;
  for (let c = 0; c < numClasses; c++) sum += Math.exp(logits[o + c] - max);
  return max + Math.log(sum) - logits[o + label];
}

/** The mean cross-entropy of the items added (0 with none). */
export function meanLoss(acc: AccuracyAccumulator): number {
  return acc.images ? acc.lossSum / acc.images : 0;
}

/** Adds a batch: an item is correct at k when fewer than k classes score strictly higher than its label. */
export function addBatch(acc: AccuracyAccumulator, logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const o = i * numClasses;
    const target = logits[o + labels[i]];
    acc.lossSum += crossEntropy(logits, o, numClasses, labels[i]);
    let higher = 0;
    for (let c = 0; c < numClasses; c++) if (logits[o + c] > target) higher++;
    for (const k of acc.correct.keys()) if (higher < k) acc.correct.set(k, (acc.correct.get(k) ?? 0) + 1);
  }
  acc.images += labels.length;
}

export function accuracies(acc: AccuracyAccumulator): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, c] of acc.correct) out[`top${k}`] = acc.images ? c / acc.images : 0;
  return out;
}
