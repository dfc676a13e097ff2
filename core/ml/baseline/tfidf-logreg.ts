/**
 * The classic baseline every distilled student is compared with: TF-IDF over word 1–2-grams
 * (plus the selected standardized tabular columns, appended as they are) into multinomial
 * logistic regression. Fitted on the training split only; no teacher involved.
 */
import { softmax } from '../metrics';
import type { SparseRow } from '../student/features';
import { fitLogisticRegression, logisticLogits, type LogisticRegressionModel } from './logistic-regression';
import { createTfidfVectorizer, fitTfidf, type TfidfModel } from './tfidf';

/** Training rows of the baseline: texts ('' without a text column), tabular values, class indices. */
export interface BaselineTrainingData {
  readonly texts: readonly string[];
  readonly tabular: readonly (readonly number[])[];
  readonly labels: readonly number[];
  readonly classes: number;
}

/** A fitted baseline and how the fit went. */
export interface TfidfLogReg {
  readonly tfidf: TfidfModel;
  readonly model: LogisticRegressionModel;
  readonly iterations: number;
  readonly converged: boolean;
  /** Bytes of the vocabulary, idf and weights as float32: what a deployment would ship. */
  readonly sizeBytes: number;
  /** Class probabilities of one record. */
  predict(text: string, tabular: readonly number[]): Float64Array;
}

/** Settings; defaults as in scikit-learn's LogisticRegression (C = 1). */
export interface BaselineOptions {
  readonly c?: number;
  readonly maxIterations?: number;
  readonly onIteration?: (iteration: number, loss: number) => void | Promise<void>;
}

/** Fits TF-IDF on the training texts, then logistic regression on TF-IDF ⧺ tabular. */
export async function fitTfidfLogReg(data: BaselineTrainingData, options: BaselineOptions = {}): Promise<TfidfLogReg> {
  const tfidf = fitTfidf(data.texts);
  const featurize = rowFeaturizer(tfidf);
  const rows = data.texts.map((text, i) => featurize(text, data.tabular[i] ?? []));
  const inputs = tfidf.terms.length + (data.tabular[0]?.length ?? 0);
  const fit = await fitLogisticRegression(rows, data.labels, { inputs, classes: data.classes, ...options });
  const termBytes = tfidf.terms.reduce((sum, t) => sum + Buffer.byteLength(t) + 1, 0);
  return {
    tfidf,
    model: fit.model,
    iterations: fit.iterations,
    converged: fit.converged,
    sizeBytes: termBytes + 4 * (tfidf.idf.length + fit.model.weights.length + fit.model.bias.length),
    predict: (text, tabular) => softmax(logisticLogits(fit.model, featurize(text, tabular))),
  };
}

function rowFeaturizer(tfidf: TfidfModel): (text: string, tabular: readonly number[]) => SparseRow {
  const vectorize = createTfidfVectorizer(tfidf);
  const offset = tfidf.terms.length;
  return (text, tabular) => {
    const words = vectorize(text);
    const extra = tabular.flatMap((v, i) => (v === 0 ? [] : [[offset + i, v] as const]));
    return {
      indices: Int32Array.from([...words.indices, ...extra.map(([j]) => j)]),
      values: Float32Array.from([...words.values, ...extra.map(([, v]) => v)]),
    };
  };
}
