/**
 * The artifacts that make a model usable on raw records: the fitted transform, the feature
 * selection, and the student bundle. Prediction applies exactly what training fitted.
 */
import { cleanCell } from './data/clean';
import { makeFrame, type Cell, type Frame } from './data/frame';
import type { FeatureScore } from './data/select';
import { applyStandardizer, type Transform } from './data/standardize';
import { createFeaturizer } from './ml/student/features';
import { deserializeStudent, studentShape, type SerializedStudent } from './ml/student/model';
import { mlpLogits } from './ml/mlp';
import { applyDecision, calibrate } from './ml/calibration';

/** The stored transform: everything prediction applies to a raw record, exactly as in training. */
export interface PreparedTransform {
  readonly label: string;
  readonly text: string | null;
  /** Class names in sorted order; class index i is labels[i]. */
  readonly labels: readonly string[];
  readonly fitted: Transform;
}

/** The stored result of feature selection. */
export interface FeatureSelection {
  readonly tabular: {
    readonly method: string;
    readonly selected: readonly string[];
    readonly scores: readonly FeatureScore[];
  };
  readonly text: { readonly ngramMax: number; readonly terms: readonly { term: string; df: number; chi2: number }[] };
}

/**
 * How probabilities become a decision, fitted on the validation split: the softmax temperature
 * (temperature scaling) and, for binary tasks, the threshold on the calibrated P(class 1).
 */
export interface DecisionRule {
  readonly temperature: number;
  readonly threshold?: number;
}

/** A student as stored: the network, its decision rule, and the transform that prepares raw records. */
export interface StudentBundle {
  readonly format: 'distillery-student-bundle/1';
  readonly transform: PreparedTransform;
  readonly student: SerializedStudent;
  readonly decision: DecisionRule;
}

/** The decided class index of one calibrated probability row under a bundle's rule. */
export function decide(rule: DecisionRule, probabilities: ArrayLike<number>): number {
  return applyDecision(probabilities, { threshold: rule.threshold });
}

/** A raw record as in the training CSV: column name → cell. */
export type RawRecord = Readonly<Record<string, Cell>>;

/**
 * Builds the prediction function of a student bundle: raw records → calibrated class probabilities
 * (softmax at the bundle's fitted temperature); {@link decide} turns them into classes.
 * Missing columns are treated as missing values; unseen categories go to the unknown bucket.
 */
export function createBundlePredictor(bundle: StudentBundle): (records: readonly RawRecord[]) => Float64Array[] {
  const model = deserializeStudent(bundle.student);
  const featurize = createFeaturizer(model.spec);
  const shape = studentShape(model.spec, model.hidden, model.classes.length);
  const { transform } = bundle;
  return (records) => {
    const frame = applyStandardizer(transform.fitted, recordsFrame(records, transform));
    return records.map((_, r) => {
      const text = transform.text ? String(frame.values[transform.text]?.[r] ?? '') : '';
      const tabular = model.spec.tabular.map((name) => Number(frame.values[name]?.[r] ?? 0));
      return calibrate(mlpLogits(shape, model.weights, featurize(text, tabular)), bundle.decision.temperature);
    });
  };
}

/** The records' cells as clean would leave them (entities, trimming, NFC), typed as the transform expects. */
function recordsFrame(records: readonly RawRecord[], transform: PreparedTransform): Frame {
  const numeric = transform.fitted.numeric.map((t) => t.name);
  const categorical = transform.fitted.categorical.map((t) => t.name);
  const columns = [...(transform.text ? [transform.text] : []), ...numeric, ...categorical];
  const roleOf = (c: string): CellRole => (c === transform.text ? 'text' : numeric.includes(c) ? 'number' : 'string');
  const types = Object.fromEntries(columns.map((c) => [c, roleOf(c) === 'number' ? 'number' : 'string'] as const));
  const values = Object.fromEntries(
    columns.map((c) => {
      const role = roleOf(c);
      return [c, records.map((rec) => cellOf(rec[c], role))];
    }),
  );
  return makeFrame(columns, types, values);
}

type CellRole = 'text' | 'string' | 'number';

function cellOf(value: Cell | undefined, role: CellRole): Cell {
  if (value === undefined || value === null || value === '') return null;
  if (role !== 'number') return cleanCell(String(value), role);
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
