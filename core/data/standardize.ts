/**
 * Standardisation fitted on the training rows and applied, unchanged, to every split and at
 * prediction time. The fitted {@link Transform} is plain JSON so it can be stored with the model.
 */
import { SchemaError } from './errors';
import type { Cell, ColumnType, Frame } from './frame';
import { makeFrame } from './frame';

/** How numeric columns are scaled. */
export type Scaling = 'zscore' | 'robust' | 'none';

/** How a missing number is filled. */
export type Imputation = 'mean' | 'median' | 'mostFrequent';

/** Which columns to scale and which to one-hot encode; every other column passes through. */
export interface StandardizeSpec {
  numeric: string[];
  categorical: string[];
  /** Default 'zscore'. */
  scaling?: Scaling;
  /** Default 'mean'. */
  impute?: Imputation;
  /** Categories seen fewer times in training are grouped as rare. Default {@link MIN_CATEGORY_COUNT}. */
  minCategoryCount?: number;
}

/** The fitted parameters of one numeric column. */
export interface NumericTransform {
  name: string;
  /** Mean over the non-missing training values (0 when there are none). */
  mean: number;
  /** Population standard deviation over the same values. */
  std: number;
  /** True when the std is 0 or negligible; a scaled column then always outputs exactly 0. */
  zeroVariance: boolean;
  /** Scaling applied; absent in transforms written before scaling options existed (z-score). */
  scaling?: Scaling;
  /** Subtracted before dividing by `scale`: the mean (z-score), the median (robust) or 0 (none). */
  center?: number;
  /** The std (z-score), the IQR (robust; 1 when the IQR is 0, as scikit-learn) or 1 (none). */
  scale?: number;
  /** Raw value that replaces a missing cell (mean, median or most frequent training value). */
  fill?: number;
  /** True when training had missing values; the output then has a `<name>__missing` column. */
  missingIndicator: boolean;
}

/** The fitted parameters of one categorical column. */
export interface CategoricalTransform {
  name: string;
  /** Categories seen at least `minCategoryCount` (default {@link MIN_CATEGORY_COUNT}) times in training, sorted. */
  categories: string[];
  /** Categories seen fewer times; they share the `__rare__` column. Empty: no `__rare__` column. */
  rare: string[];
}

/** A fitted standardizer; JSON-serialisable. */
export interface Transform {
  version: 1;
  numeric: NumericTransform[];
  categorical: CategoricalTransform[];
}

/** Categories seen fewer times than this in training are grouped into `__rare__`. */
export const MIN_CATEGORY_COUNT = 2;
/** Output column of categories seen rarely in training. */
export const RARE_CATEGORY = '__rare__';
/** Output column of missing values and categories never seen in training. */
export const UNKNOWN_CATEGORY = '__unknown__';
/** Suffix of the 0/1 column marking a numeric value that was missing. */
export const MISSING_SUFFIX = '__missing';
const RELATIVE_VARIANCE_FLOOR = 1e-12;

/**
 * Fits a standardizer on the rows of `frame` listed in `trainRows`.
 *
 * Numeric columns: mean and population std of the non-missing training values. A std of 0 or
 * below 1e-12·max(1, |mean|) (float noise on a constant column) marks the column `zeroVariance`.
 * Scaling 'zscore' (default) centres on the mean and divides by the std; 'robust' centres on the
 * median and divides by the interquartile range (linear-interpolated quartiles; an IQR of 0 gives
 * scale 1, as scikit-learn's RobustScaler); 'none' keeps values as they are (for χ² on raw counts).
 * A missing value is filled with the training mean, median or most frequent value (`impute`).
 * Categorical columns: the categories seen in training, where those seen fewer than
 * `minCategoryCount` times (default 2) are grouped as rare.
 *
 * Throws {@link SchemaError} when a listed column is absent, or a `numeric` column is not numeric.
 */
export function fitStandardizer(frame: Frame, trainRows: readonly number[], spec: StandardizeSpec): Transform {
  assertColumns(frame, [...spec.numeric, ...spec.categorical]);
  const numeric = spec.numeric.map((name) => fitNumeric(frame, name, trainRows, spec));
  const minCount = spec.minCategoryCount ?? MIN_CATEGORY_COUNT;
  const categorical = spec.categorical.map((name) => fitCategorical(name, frame.values[name]!, trainRows, minCount));
  return { version: 1, numeric, categorical };
}

/**
 * Applies `transform` to `frame` (any rows: train, validation, test or new data). Numeric columns
 * are replaced by (x − center) / scale, a missing value first filled with the fitted `fill`, followed
 * by `<name>__missing` (0/1) when training had missing values; zero-variance scaled columns are
 * exactly 0 (never NaN, ±Infinity or ±1); with scaling 'none' values pass through (missing filled).
 * String cells of numeric columns are parsed; unparseable ones count as missing.
 * Categorical columns are replaced by `<name>=<category>` 0/1 columns, one per training category,
 * then `<name>=__rare__` (when training had rare categories) and `<name>=__unknown__` (missing or
 * unseen). Other columns pass through unchanged, in place.
 *
 * Throws {@link SchemaError} when a column the transform needs is absent.
 */
export function applyStandardizer(transform: Transform, frame: Frame): Frame {
  assertColumns(frame, [...transform.numeric.map((t) => t.name), ...transform.categorical.map((t) => t.name)]);
  const numeric = new Map(transform.numeric.map((t) => [t.name, t]));
  const categorical = new Map(transform.categorical.map((t) => [t.name, t]));
  const out: OutputColumns = { columns: [], types: {}, values: {} };

  for (const name of frame.columns) {
    const cells = frame.values[name]!;
    const numericFit = numeric.get(name);
    const categoricalFit = categorical.get(name);
    if (numericFit) applyNumeric(numericFit, cells, out);
    else if (categoricalFit) applyCategorical(categoricalFit, cells, out);
    else addColumn(out, name, frame.types[name]!, cells);
  }
  return makeFrame(out.columns, out.types, out.values);
}

interface OutputColumns {
  columns: string[];
  types: Record<string, ColumnType>;
  values: Record<string, readonly Cell[]>;
}

function addColumn(out: OutputColumns, name: string, type: ColumnType, cells: readonly Cell[]): void {
  out.columns.push(name);
  out.types[name] = type;
  out.values[name] = cells;
}

function assertColumns(frame: Frame, names: readonly string[]): void {
  const absent = names.filter((name) => !frame.columns.includes(name));
  if (absent.length === 0) return;
  throw new SchemaError(`column(s) ${absent.join(', ')} not found; available columns: ${frame.columns.join(', ')}`, {
    missing: absent,
    available: [...frame.columns],
  });
}

function fitNumeric(frame: Frame, name: string, trainRows: readonly number[], spec: StandardizeSpec): NumericTransform {
  if (frame.types[name] !== 'number') {
    throw new SchemaError(`column ${name} is listed as numeric but holds text`, { column: name });
  }
  const cells = frame.values[name]!;
  const present = trainRows.map((row) => cells[row] ?? null).filter((x): x is number => typeof x === 'number');
  const missingIndicator = present.length < trainRows.length;
  const scaling = spec.scaling ?? 'zscore';
  if (present.length === 0) {
    return { name, mean: 0, std: 0, zeroVariance: true, missingIndicator, scaling, center: 0, scale: 1, fill: 0 };
  }

  const sorted = [...present].sort((a, b) => a - b);
  const mean = present.reduce((sum, x) => sum + x, 0) / present.length;
  const std = Math.sqrt(present.reduce((sum, x) => sum + (x - mean) ** 2, 0) / present.length);
  const zeroVariance = std === 0 || std < RELATIVE_VARIANCE_FLOOR * Math.max(1, Math.abs(mean));
  const fill = fillValue(spec.impute ?? 'mean', mean, sorted);
  return {
    name,
    mean,
    std,
    zeroVariance,
    missingIndicator,
    scaling,
    ...centerAndScale(scaling, mean, std, sorted),
    fill,
  };
}

function centerAndScale(scaling: Scaling, mean: number, std: number, sorted: readonly number[]) {
  if (scaling === 'zscore') return { center: mean, scale: std };
  if (scaling === 'none') return { center: 0, scale: 1 };
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  return { center: quantile(sorted, 0.5), scale: iqr > 0 ? iqr : 1 };
}

function fillValue(impute: Imputation, mean: number, sorted: readonly number[]): number {
  if (impute === 'mean') return mean;
  if (impute === 'median') return quantile(sorted, 0.5);
  let [best, bestCount, run] = [sorted[0]!, 0, 0];
  sorted.forEach((x, i) => {
    run = i > 0 && sorted[i - 1] === x ? run + 1 : 1;
    if (run > bestCount) [best, bestCount] = [x, run];
  });
  return best;
}

/** The q-quantile of ascending `sorted` (non-empty), linearly interpolated as numpy's default. */
export function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const [low, high] = [Math.floor(position), Math.ceil(position)];
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/**
 * Applies a label case rule. Returns the new labels and the mapping of every label that changed
 * (original → normalised), for lineage. `'preserve'` changes nothing.
 */
export function normalizeLabels(
  labels: readonly string[],
  labelCase: 'preserve' | 'lower' | 'upper',
): { labels: string[]; mapping: Record<string, string> } {
  const convert = (label: string): string =>
    labelCase === 'lower' ? label.toLowerCase() : labelCase === 'upper' ? label.toUpperCase() : label;
  const mapping: Record<string, string> = {};
  const out = labels.map((label) => {
    const normalised = convert(label);
    if (normalised !== label) mapping[label] = normalised;
    return normalised;
  });
  return { labels: out, mapping };
}

function fitCategorical(
  name: string,
  cells: readonly Cell[],
  trainRows: readonly number[],
  minCount: number,
): CategoricalTransform {
  const counts = new Map<string, number>();
  for (const row of trainRows) {
    const cell = cells[row];
    if (cell !== null && cell !== undefined) counts.set(String(cell), (counts.get(String(cell)) ?? 0) + 1);
  }
  const sorted = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const categories = sorted.filter((c) => counts.get(c)! >= minCount);
  const rare = sorted.filter((c) => counts.get(c)! < minCount);
  return { name, categories, rare };
}

function applyNumeric(fit: NumericTransform, cells: readonly Cell[], out: OutputColumns): void {
  const values = cells.map(toNumber);
  const scaled = values.map((x) => scaleValue(fit, x));
  addColumn(out, fit.name, 'number', scaled);
  if (fit.missingIndicator)
    addColumn(
      out,
      fit.name + MISSING_SUFFIX,
      'number',
      values.map((x) => (x === null ? 1 : 0)),
    );
}

/** The output of one cell: missing filled, then scaled; exactly 0 for a zero-variance scaled column. */
function scaleValue(fit: NumericTransform, x: number | null): number {
  const scaling = fit.scaling ?? 'zscore';
  const value = x ?? fit.fill ?? fit.mean;
  if (scaling === 'none') return value;
  if (fit.zeroVariance) return 0;
  return (value - (fit.center ?? fit.mean)) / (fit.scale ?? fit.std);
}

function toNumber(cell: Cell): number | null {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null;
  if (cell === null || cell.trim() === '') return null;
  const parsed = Number(cell.trim());
  return Number.isFinite(parsed) ? parsed : null;
}

function applyCategorical(fit: CategoricalTransform, cells: readonly Cell[], out: OutputColumns): void {
  const slotOf = categorySlot(fit);
  const assigned = cells.map(slotOf);
  for (const slot of categoryOutputs(fit)) {
    addColumn(
      out,
      `${fit.name}=${slot}`,
      'number',
      assigned.map((a) => (a === slot ? 1 : 0)),
    );
  }
}

/** The one-hot slot of a cell: its category, the rare bucket, or the unknown bucket. */
function categorySlot(fit: CategoricalTransform): (cell: Cell) => string {
  const slots = new Map<string, string>(fit.categories.map((c) => [c, c]));
  for (const c of fit.rare) slots.set(c, RARE_CATEGORY);
  return (cell) => (cell === null ? UNKNOWN_CATEGORY : (slots.get(String(cell)) ?? UNKNOWN_CATEGORY));
}

/** The one-hot slots of a categorical column, in output order. */
function categoryOutputs(fit: CategoricalTransform): string[] {
  return [...fit.categories, ...(fit.rare.length > 0 ? [RARE_CATEGORY] : []), UNKNOWN_CATEGORY];
}

/** Reads one cell of a record by column name. */
export type CellReader = (column: string) => Cell;

/**
 * Compiles `transform` into a function from one record to the values of the named output columns,
 * each exactly as {@link applyStandardizer} computes it for that record; a name the transform does
 * not produce gives 0. Serving uses it: building a frame per record costs more than the arithmetic.
 */
export function createRowEncoder(transform: Transform, outputs: readonly string[]): (cell: CellReader) => number[] {
  const encoders = new Map<string, (cell: CellReader) => number>();
  for (const fit of transform.numeric) {
    encoders.set(fit.name, (cell) => scaleValue(fit, toNumber(cell(fit.name))));
    if (fit.missingIndicator) {
      encoders.set(fit.name + MISSING_SUFFIX, (cell) => (toNumber(cell(fit.name)) === null ? 1 : 0));
    }
  }
  for (const fit of transform.categorical) {
    const slotOf = categorySlot(fit);
    for (const slot of categoryOutputs(fit)) {
      encoders.set(`${fit.name}=${slot}`, (cell) => (slotOf(cell(fit.name)) === slot ? 1 : 0));
    }
  }
  const compiled = outputs.map((name) => encoders.get(name) ?? (() => 0));
  return (cell) => compiled.map((encode) => encode(cell));
}
