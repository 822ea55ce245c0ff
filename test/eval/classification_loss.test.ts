/** The mean cross-entropy the classification accuracy accumulator keeps (eval/classification_accuracy.ts), worked out by hand. */
import { newAccuracy, addBatch, accuracies, meanLoss } from '../../eval/classification_accuracy';

test('mean cross-entropy and accuracy of two items', () => {
  const acc = newAccuracy([1]);
  // item 0: logits [0, 0], label 0 → −log ½ = ln 2; item 1: logits [ln 3, 0], label 0 → −log ¾ = ln(4/3)
  addBatch(acc, [0, 0, Math.log(3), 0], [0, 0], 2);
  expect(meanLoss(acc)).toBeCloseTo((Math.log(2) + Math.log(4 / 3)) / 2, 12);
  expect(accuracies(acc)).toEqual({ top1: 1 });
});

test('large logits do not overflow (log-sum-exp), a wrong label costs its margin', () => {
  const acc = newAccuracy([1]);
  addBatch(acc, [1000, 0], [1], 2);
  expect(meanLoss(acc)).toBeCloseTo(1000, 9);
  expect(meanLoss(newAccuracy([1]))).toBe(0);
});
