/** Classification metrics on integer class indices and probability rows. */

/** Per-class precision, recall, F1 and support. */
export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** The metrics reported for every evaluated model. */
export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly macroF1: number;
  /** Mean negative log-likelihood of the true class, probabilities clipped to [1e-15, 1]. */
  readonly logLoss: number;
  /** ROC-AUC of the second class (in sorted label order) against the first; binary tasks only. */
  readonly rocAuc: number | null;
  readonly perClass: readonly ClassMetrics[];
  /** confusion[true][predicted] counts. */
  readonly confusion: readonly (readonly number[])[];
}

/** Index of the largest value (first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Computes every metric from true class indices and predicted probability rows. The predicted
 * class is the argmax of each row unless `predicted` gives the decisions (e.g. a tuned threshold).
 */
export function classificationMetrics(
  truth: readonly number[],
  probabilities: readonly ArrayLike<number>[],
  labels: readonly string[],
  predicted: readonly number[] = probabilities.map(argmax),
): ClassificationMetrics {
  const confusion = confusionMatrix(truth, predicted, labels.length);
  const perClass = labels.map((label, k) => classMetrics(confusion, k, label));
  const correct = truth.filter((t, i) => t === predicted[i]).length;
  return {
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1: perClass.reduce((sum, c) => sum + c.f1, 0) / Math.max(1, perClass.length),
    logLoss: logLoss(truth, probabilities),
    rocAuc:
      labels.length === 2
        ? rocAuc(
            truth,
            probabilities.map((p) => p[1]!),
          )
        : null,
    perClass,
    confusion,
  };
}

/** confusion[true][predicted]. */
export function confusionMatrix(truth: readonly number[], predicted: readonly number[], classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((t, i) => matrix[t]![predicted[i]!]!++);
  return matrix;
}

function classMetrics(confusion: readonly (readonly number[])[], k: number, label: string): ClassMetrics {
  const truePositive = confusion[k]![k]!;
  const support = confusion[k]!.reduce((a, b) => a + b, 0);
  const predictedPositive = confusion.reduce((sum, row) => sum + row[k]!, 0);
  const precision = predictedPositive === 0 ? 0 : truePositive / predictedPositive;
  const recall = support === 0 ? 0 : truePositive / support;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { label, precision, recall, f1, support };
}

/** Mean negative log-probability of the true class. */
export function logLoss(truth: readonly number[], probabilities: readonly ArrayLike<number>[]): number {
  if (truth.length === 0) return 0;
  const total = truth.reduce((sum, t, i) => sum - Math.log(Math.min(1, Math.max(1e-15, probabilities[i]![t]!))), 0);
  return total / truth.length;
}

/**
 * ROC-AUC by the rank statistic (Mann–Whitney U), ties given their average rank.
 * Returns null when only one class is present.
 */
export function rocAuc(truth: readonly number[], scores: readonly number[]): number | null {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const positives = truth.filter((t) => t === 1).length;
  const negatives = truth.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const rankSum = truth.reduce((sum, t, i) => (t === 1 ? sum + ranks[i]! : sum), 0);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Numerically stable softmax of one logit row, optionally at a temperature. */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! / temperature - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
