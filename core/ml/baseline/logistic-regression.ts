/**
 * Multinomial logistic regression on sparse rows, fitted by L-BFGS: the classic linear baseline.
 * The objective is scikit-learn's: Σ cross-entropy + ‖W‖² / (2C) (biases not penalised), divided
 * by the row count so that its scale does not grow with the data. Same rows, same result.
 */
import type { SparseRow } from '../student/features';
import { minimize } from './lbfgs';

/** A fitted model: weights row-major (inputs × classes) and one bias per class. */
export interface LogisticRegressionModel {
  readonly inputs: number;
  readonly classes: number;
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

/** Settings of {@link fitLogisticRegression}. */
export interface LogisticRegressionOptions {
  readonly inputs: number;
  readonly classes: number;
  /** Inverse L2 strength, as in scikit-learn. Default 1. */
  readonly c?: number;
  /** L-BFGS iterations at most. Default 200. */
  readonly maxIterations?: number;
  /** Awaited after each iteration. */
  readonly onIteration?: (iteration: number, loss: number) => void | Promise<void>;
}

/** What the fit reports besides the model. */
export interface LogisticRegressionFit {
  readonly model: LogisticRegressionModel;
  readonly iterations: number;
  readonly converged: boolean;
  /** Final objective value (mean cross-entropy plus the penalty). */
  readonly objective: number;
}

/** Fits the model from all-zero weights. */
export async function fitLogisticRegression(
  rows: readonly SparseRow[],
  labels: readonly number[],
  options: LogisticRegressionOptions,
): Promise<LogisticRegressionFit> {
  if (rows.length !== labels.length) throw new RangeError(`${rows.length} rows but ${labels.length} labels`);
  const { inputs, classes, c = 1 } = options;
  const objective = (x: Float64Array, gradient: Float64Array) =>
    penalisedLoss(rows, labels, unpack(x, inputs, classes), c, gradient);
  const result = await minimize(objective, new Float64Array(inputs * classes + classes), {
    maxIterations: options.maxIterations ?? 200,
    onIteration: options.onIteration,
  });
  const model = unpack(result.x, inputs, classes);
  return { model, iterations: result.iterations, converged: result.converged, objective: result.value };
}

/** Logits of one row. */
export function logisticLogits(model: LogisticRegressionModel, row: SparseRow): Float64Array {
  const logits = new Float64Array(model.classes);
  logitsInto(model, row, logits);
  return logits;
}

/** Views of the flat parameter vector: weights first, then biases. */
function unpack(x: Float64Array, inputs: number, classes: number): LogisticRegressionModel {
  const cut = inputs * classes;
  return { inputs, classes, weights: x.subarray(0, cut), bias: x.subarray(cut) };
}

/** Mean cross-entropy + ‖W‖² / (2Cn); writes the gradient in the same flat layout. */
function penalisedLoss(
  rows: readonly SparseRow[],
  labels: readonly number[],
  model: LogisticRegressionModel,
  c: number,
  gradient: Float64Array,
): number {
  const { classes, weights } = model;
  const cut = weights.length;
  const logits = new Float64Array(classes);
  gradient.fill(0);
  let loss = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const label = labels[i]!;
    logitsInto(model, row, logits);
    const logSum = logSumExp(logits);
    loss += logSum - logits[label]!;
    // d loss / d logit_j = p_j − [j = y]
    for (let j = 0; j < classes; j++) logits[j] = Math.exp(logits[j]! - logSum) - (j === label ? 1 : 0);
    for (let k = 0; k < row.indices.length; k++) {
      const offset = row.indices[k]! * classes;
      const value = row.values[k]!;
      for (let j = 0; j < classes; j++) gradient[offset + j] = gradient[offset + j]! + value * logits[j]!;
    }
    for (let j = 0; j < classes; j++) gradient[cut + j] = gradient[cut + j]! + logits[j]!;
  }
  let squared = 0;
  for (let i = 0; i < cut; i++) {
    squared += weights[i]! * weights[i]!;
    gradient[i] = gradient[i]! + weights[i]! / c;
  }
  const n = Math.max(1, rows.length);
  for (let i = 0; i < gradient.length; i++) gradient[i] = gradient[i]! / n;
  return (loss + squared / (2 * c)) / n;
}

function logitsInto(model: LogisticRegressionModel, row: SparseRow, out: Float64Array): void {
  const { classes, weights } = model;
  out.set(model.bias);
  for (let k = 0; k < row.indices.length; k++) {
    const offset = row.indices[k]! * classes;
    const value = row.values[k]!;
    for (let j = 0; j < classes; j++) out[j] = out[j]! + value * weights[offset + j]!;
  }
}

function logSumExp(values: Float64Array): number {
  let max = -Infinity;
  for (let j = 0; j < values.length; j++) max = Math.max(max, values[j]!);
  let sum = 0;
  for (let j = 0; j < values.length; j++) sum += Math.exp(values[j]! - max);
  return max + Math.log(sum);
}
