/**
 * The artifacts that make a model usable on raw records: the fitted transform, the feature
 * selection, and the student bundle. Prediction applies exactly what training fitted.
 */
import { cleanCell } from './data/clean';
import { redactPii } from './data/pii';
import type { Cell } from './data/frame';
import type { FeatureScore } from './data/select';
import { createRowEncoder, type Transform } from './data/standardize';
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
  /** Clean redacted PII in the string columns; prediction then redacts raw records too. Absent: false. */
  readonly redactPii?: boolean;
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
 * (temperature scaling) and, for binary tasks, the threshold on the calibrated P(class 1); for three
 * or more classes, optionally, per-class offsets on the calibrated log-probabilities.
 */
export interface DecisionRule {
  readonly temperature: number;
  readonly threshold?: number;
  readonly classOffsets?: readonly number[];
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
  return applyDecision(probabilities, { threshold: rule.threshold, classOffsets: rule.classOffsets });
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
  const encodeRow = createRowEncoder(transform.fitted, model.spec.tabular);
  const roleOf = cellRoles(transform);
  const redact = transform.redactPii === true;
  return (records) =>
    records.map((record) => {
      const read = new Map<string, Cell>();
      const cell = (column: string): Cell => {
        if (!read.has(column)) read.set(column, cellOf(record[column], roleOf(column), redact));
        return read.get(column)!;
      };
      const text = transform.text ? String(cell(transform.text) ?? '') : '';
      return calibrate(mlpLogits(shape, model.weights, featurize(text, encodeRow(cell))), bundle.decision.temperature);
    });
}

/** How each input column's raw cells are read: the free text, a number, or a category. */
function cellRoles(transform: PreparedTransform): (column: string) => CellRole {
  const numeric = new Set(transform.fitted.numeric.map((t) => t.name));
  return (column) => (column === transform.text ? 'text' : numeric.has(column) ? 'number' : 'string');
}

type CellRole = 'text' | 'string' | 'number';

/** A raw cell as clean would leave it, PII redaction (when training had it) included. */
function cellOf(value: Cell | undefined, role: CellRole, redact: boolean): Cell {
  if (value === undefined || value === null || value === '') return null;
  if (role !== 'number') {
    const cleaned = cleanCell(String(value), role);
    return redact && cleaned !== null ? redactPii(cleaned, { email: 0, phone: 0, card: 0 }) : cleaned;
  }
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}
