/** Per-class loss weights for imbalanced labels. */

/** 'balanced': n / (classes × count of the class), as scikit-learn's; 'none': every class weighs 1. */
export type ClassWeighting = 'balanced' | 'none';

/**
 * The weight of each class from the training labels. A class absent from `labels` gets weight 0
 * under 'balanced' (it has no rows to weigh). Labels outside [0, classes) are ignored.
 */
export function classWeights(labels: readonly number[], classes: number, weighting: ClassWeighting): number[] {
  if (weighting === 'none') return new Array<number>(classes).fill(1);
  const counts = new Array<number>(classes).fill(0);
  let n = 0;
  for (const label of labels) {
    if (label < 0 || label >= classes) continue;
    counts[label]!++;
    n++;
  }
  return counts.map((count) => (count === 0 ? 0 : n / (classes * count)));
}

/** Each row's weight: its class's weight; rows without a true label (−1) weigh 1. */
export function rowWeights(labels: readonly number[], weights: readonly number[]): number[] {
  return labels.map((label) => (label < 0 ? 1 : (weights[label] ?? 1)));
}
