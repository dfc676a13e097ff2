import path from 'node:path';

import { readCsv } from '../../../core/data/read';
import { minimize } from '../../../core/ml/baseline/lbfgs';
import { fitLogisticRegression, logisticLogits } from '../../../core/ml/baseline/logistic-regression';
import { createTfidfVectorizer, fitTfidf } from '../../../core/ml/baseline/tfidf';
import { fitTfidfLogReg } from '../../../core/ml/baseline/tfidf-logreg';
import { classificationMetrics, softmax } from '../../../core/ml/metrics';
import { denseRow } from '../../../core/ml/mlp';

const SMS = path.resolve(__dirname, '../../..', '../shared/datasets/sms_spam/sms_spam.csv');

describe('fitTfidf', () => {
  const model = fitTfidf(['a b', 'a c', 'a b'], { minDocumentFrequency: 1 });

  it('keeps word 1- and 2-grams of the training texts in term order, with smoothed idf', () => {
    expect(model.terms).toEqual(['a', 'a b', 'a c', 'b', 'c']);
    expect(Array.from(model.idf)).toEqual(
      [1, 1.2876820724517808, 1.6931471805599454, 1.2876820724517808, 1.6931471805599454].map((v) =>
        expect.closeTo(v, 12),
      ),
    );
  });

  it('turns a text into an L2-normalised row of count × idf, ignoring unseen terms', () => {
    const row = createTfidfVectorizer(model)('A b zebra');
    expect(Array.from(row.indices)).toEqual([0, 1, 3]);
    expect(Array.from(row.values)).toEqual(
      [0.48133416873660545, 0.6198053799406072, 0.6198053799406072].map((v) => expect.closeTo(v, 6)),
    );
  });

  it('drops terms below the document-frequency floor', () => {
    expect(fitTfidf(['a b', 'a c', 'a b']).terms).toEqual(['a', 'a b', 'b']);
  });
});

describe('minimize (L-BFGS)', () => {
  it('finds the minimum of the Rosenbrock function at (1, 1)', async () => {
    const rosenbrock = (x: Float64Array, g: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const result = await minimize(rosenbrock, Float64Array.from([-1.2, 1]), {
      gradientTolerance: 1e-8,
      relativeTolerance: 0,
    });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
  });
});

describe('fitLogisticRegression', () => {
  it('learns the class priors as biases when the rows carry no features', async () => {
    const rows = Array.from({ length: 8 }, () => ({ indices: new Int32Array(), values: new Float32Array() }));
    const labels = [0, 1, 1, 1, 0, 1, 1, 1];
    const { model, converged } = await fitLogisticRegression(rows, labels, { inputs: 3, classes: 2 });
    expect(converged).toBe(true);
    const p = softmax(logisticLogits(model, rows[0]!));
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
  });

  it('is deterministic and separates separable classes', async () => {
    const rows = [
      [1, 0],
      [0.9, 0.1],
      [0, 1],
      [0.1, 0.8],
      [0.5, 0.5],
    ].map(denseRow);
    const labels = [0, 0, 1, 1, 2];
    const fit = () => fitLogisticRegression(rows, labels, { inputs: 2, classes: 3, c: 100 });
    const [first, second] = [await fit(), await fit()];
    expect(Array.from(first.model.weights)).toEqual(Array.from(second.model.weights));
    const predicted = rows.map((r) => softmax(logisticLogits(first.model, r))).map((p) => p.indexOf(Math.max(...p)));
    expect(predicted.slice(0, 4)).toEqual([0, 0, 1, 1]);
  });

  it('shrinks the weights as C decreases', async () => {
    const rows = [[1], [2], [-1], [-2]].map(denseRow);
    const labels = [1, 1, 0, 0];
    const norm = async (c: number) => {
      const { model } = await fitLogisticRegression(rows, labels, { inputs: 1, classes: 2, c });
      return Math.hypot(...model.weights);
    };
    expect(await norm(0.01)).toBeLessThan(await norm(1));
  });
});

describe('fitTfidfLogReg on the SMS Spam Collection', () => {
  it('reaches macro-F1 above 0.9 on every seventh message when fitted on the others', async () => {
    const { frame } = await readCsv(SMS);
    const texts = frame.values.text!.map(String);
    const labels = frame.values.label!.map((l) => (l === 'spam' ? 1 : 0));
    const test = texts.map((_, i) => i).filter((i) => i % 7 === 0);
    const train = texts.map((_, i) => i).filter((i) => i % 7 !== 0);
    const baseline = await fitTfidfLogReg({
      texts: train.map((i) => texts[i]!),
      tabular: [],
      labels: train.map((i) => labels[i]!),
      classes: 2,
    });
    const probabilities = test.map((i) => baseline.predict(texts[i]!, []));
    const metrics = classificationMetrics(
      test.map((i) => labels[i]!),
      probabilities,
      ['ham', 'spam'],
    );
    expect(baseline.converged).toBe(true);
    expect(metrics.macroF1).toBeGreaterThan(0.9);
    expect(metrics.accuracy).toBeGreaterThan(0.97);
  });
});
