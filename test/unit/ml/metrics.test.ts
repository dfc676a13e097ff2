import { argmax, classificationMetrics, confusionMatrix, logLoss, rocAuc, softmax } from '../../../core/ml/metrics';

/** One probability row per predicted class: a confident vote for `predicted`. */
function vote(predicted: number, classes: number): number[] {
  return Array.from({ length: classes }, (_, k) => (k === predicted ? 0.8 : 0.2 / (classes - 1)));
}

describe('classificationMetrics', () => {
  // truth    0 0 1 1 2 2
  // predicted 0 1 1 1 2 0
  const truth = [0, 0, 1, 1, 2, 2];
  const probabilities = [0, 1, 1, 1, 2, 0].map((p) => vote(p, 3));
  const metrics = classificationMetrics(truth, probabilities, ['a', 'b', 'c']);

  it('counts accuracy as the share of rows whose most probable class is the true one', () => {
    expect(metrics.accuracy).toBe(4 / 6);
  });

  it('lays the confusion matrix out as confusion[true][predicted]', () => {
    expect(metrics.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
  });

  it('computes per-class precision, recall, F1 and support from the confusion matrix', () => {
    expect(metrics.perClass).toEqual([
      { label: 'a', precision: 1 / 2, recall: 1 / 2, f1: 0.5, support: 2 },
      { label: 'b', precision: 2 / 3, recall: 1, f1: expect.closeTo(0.8, 12), support: 2 },
      { label: 'c', precision: 1, recall: 1 / 2, f1: expect.closeTo(2 / 3, 12), support: 2 },
    ]);
  });

  it('averages F1 over classes without weighting for macro-F1', () => {
    expect(metrics.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });

  it('reports no ROC-AUC for more than two classes', () => {
    expect(metrics.rocAuc).toBeNull();
  });

  it('reports the ROC-AUC of the second class for a binary task', () => {
    const binary = classificationMetrics(
      [0, 0, 1, 1],
      [0.1, 0.4, 0.35, 0.8].map((p) => [1 - p, p]),
      ['neg', 'pos'],
    );

    expect(binary.rocAuc).toBeCloseTo(0.75, 12);
  });

  it('gives a class that is never predicted nor present precision, recall and F1 of 0, not NaN', () => {
    const result = classificationMetrics([0, 1], [vote(0, 3), vote(1, 3)], ['a', 'b', 'c']);

    expect(result.perClass[2]).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(result.macroF1).toBeCloseTo(2 / 3, 12);
  });

  it('returns accuracy 0 and log-loss 0 for an empty evaluation set', () => {
    const empty = classificationMetrics([], [], ['a', 'b']);

    expect(empty.accuracy).toBe(0);
    expect(empty.logLoss).toBe(0);
    expect(empty.rocAuc).toBeNull();
  });
});

describe('confusionMatrix', () => {
  it('counts every (true, predicted) pair once', () => {
    expect(confusionMatrix([1, 1, 0], [1, 0, 0], 2)).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });
});

describe('argmax', () => {
  it('returns the first index among equal maxima', () => {
    expect(argmax([0.2, 0.4, 0.4])).toBe(1);
    expect(argmax([-3])).toBe(0);
  });
});

describe('logLoss', () => {
  it('is the mean negative log-probability of the true class', () => {
    const value = logLoss(
      [0, 1],
      [
        [0.8, 0.2],
        [0.4, 0.6],
      ],
    );

    expect(value).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
  });

  it('clips a zero probability to 1e-15 so the loss stays finite', () => {
    expect(logLoss([0], [[0, 1]])).toBeCloseTo(-Math.log(1e-15), 10);
  });
});

describe('rocAuc', () => {
  it('matches the scikit-learn reference example (0.75)', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it('counts a positive tied with a negative as half a correctly ordered pair', () => {
    // Pairs (pos, neg): (0.5, 0.5) tie → ½, (0.5, 0.2) → 1, (0.9, 0.5) → 1, (0.9, 0.2) → 1; 3.5 / 4.
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
  });

  it('is 0.5 when every score is tied, 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc([0, 1, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
    expect(rocAuc([0, 0, 1], [0.1, 0.2, 0.9])).toBe(1);
    expect(rocAuc([1, 1, 0], [0.1, 0.2, 0.9])).toBe(0);
  });

  it('returns null when only one class is present', () => {
    expect(rocAuc([1, 1], [0.2, 0.7])).toBeNull();
    expect(rocAuc([0, 0], [0.2, 0.7])).toBeNull();
  });
});

describe('softmax', () => {
  it('stays finite and exact with logits far beyond exp overflow', () => {
    expect(Array.from(softmax([1000, 1000, 0]))).toEqual([0.5, 0.5, 0]);
    expect(Array.from(softmax([-1000, -1000]))).toEqual([0.5, 0.5]);
  });

  it('keeps the relative odds of huge logits', () => {
    const [first, second] = softmax([1001, 1000]);

    expect(first).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(second).toBeCloseTo(1 / (1 + Math.exp(1)), 12);
  });

  it('divides logits by the temperature before normalising', () => {
    const softened = softmax([4, 0], 2);

    expect(softened[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 1), 12);
    expect(softened[0]! + softened[1]!).toBeCloseTo(1, 12);
  });
});
