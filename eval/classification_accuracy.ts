/** Top-k accuracy over plain arrays: logits row-major [N, K], labels [N]. A tie with the label counts for it. */
export interface AccuracyAccumulator {
  correct: Map<number, number>;
  images: number;
}

export function newAccuracy(ks: number[]): AccuracyAccumulator {
  return { correct: new Map(ks.map((k) => [k, 0])), images: 0 };
}

/** Adds a batch: an item is correct at k when fewer than k classes score strictly higher than its label. */
export function addBatch(acc: AccuracyAccumulator, logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const o = i * numClasses;
    const target = logits[o + labels[i]];
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
