/**
 * Dataset statistics and drift checks in the spirit of TFX's statistics and schema validation:
 * {@link profileFrame} summarises every column of a frame, {@link compareProfiles} compares two
 * summaries (e.g. training data vs. new data) and reports what changed. Pure: no I/O, no clock.
 * Profiles and reports are plain JSON-safe objects (no `undefined`, `NaN` or `Infinity`).
 */
import { InvalidConfigError } from '../../common/errors';
import { column, type ColumnType, type Frame } from './frame';

/** Summary of the non-missing values of a number column. */
export interface NumericStats {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by n, not n − 1). */
  std: number;
  /** Median, linearly interpolated between the two middle values for an even count. */
  p50: number;
}

/** A value of a string column and how many rows hold it. */
export interface CategoryCount {
  value: string;
  count: number;
}

/** Summary of the non-missing values of a string column. */
export interface StringStats {
  /** The most frequent values, by count descending, then by value (code-unit order) ascending. */
  topCategories: CategoryCount[];
  /** Share of the non-missing rows that hold one of `topCategories`, in [0, 1]. */
  topCoverage: number;
  /** Mean length in Unicode code points. */
  averageLength: number;
}

/** Properties of one column that are suspicious on their own, without a baseline. */
export type ProfileAnomalyKind = 'constantColumn' | 'allMissing' | 'idLike' | 'highMissing';

/** One suspicious property of a column, with a sentence that gives the numbers. */
export interface ProfileAnomaly {
  kind: ProfileAnomalyKind;
  message: string;
}

/** Statistics of one column. */
export interface ColumnProfile {
  name: string;
  type: ColumnType;
  rows: number;
  missing: number;
  /** `missing / rows`; 0 for a frame without rows. */
  missingFraction: number;
  /** Exact number of distinct non-missing values. */
  distinct: number;
  /** Set for a number column with at least one value, else `null`. */
  numeric: NumericStats | null;
  /** Set for a string column with at least one value, else `null`. */
  strings: StringStats | null;
  anomalies: ProfileAnomaly[];
}

/** Statistics of a whole frame; `columns` are in frame order. */
export interface DatasetProfile {
  rows: number;
  columns: ColumnProfile[];
}

/** Options of {@link profileFrame}. */
export interface ProfileOptions {
  /** How many of the most frequent values of a string column to keep. Default 10; a positive integer. */
  topCategories?: number;
}

/** Fewest rows for a column whose values are all distinct to be reported as ID-like. */
export const ID_LIKE_MIN_ROWS = 20;
/** A column with a larger missing fraction than this is reported as `highMissing`. */
export const HIGH_MISSING_FRACTION = 0.5;
const DEFAULT_TOP_CATEGORIES = 10;

/**
 * Profiles every column of `frame`, in frame order. Anomalies reported per column:
 * - `allMissing`: the frame has rows and every cell of the column is missing;
 * - `highMissing`: more than half the cells are missing (not repeated for an all-missing column);
 * - `constantColumn`: exactly one distinct non-missing value;
 * - `idLike`: every non-missing value is distinct and the frame has at least {@link ID_LIKE_MIN_ROWS}
 *   rows (note: a continuous measurement with no repeats is flagged too).
 *
 * Throws {@link InvalidConfigError} when `topCategories` is not a positive integer.
 */
export function profileFrame(frame: Frame, options: ProfileOptions = {}): DatasetProfile {
  const topCategories = options.topCategories ?? DEFAULT_TOP_CATEGORIES;
  if (!Number.isInteger(topCategories) || topCategories < 1) {
    throw new InvalidConfigError('topCategories', `must be a positive integer, got ${topCategories}`);
  }

  const columns = frame.columns.map((name) => profileColumn(name, frame.types[name] ?? 'string', frame, topCategories));
  return { rows: frame.rowCount, columns };
}

function profileColumn(name: string, type: ColumnType, frame: Frame, topCategories: number): ColumnProfile {
  const cells = column(frame, name);
  const present = cells.filter((cell) => cell !== null);
  const rows = cells.length;
  const missing = rows - present.length;
  const numbers = type === 'number' ? present.map(Number) : [];
  const texts = type === 'string' ? present.map(String) : [];

  const profile: ColumnProfile = {
    name,
    type,
    rows,
    missing,
    missingFraction: rows === 0 ? 0 : missing / rows,
    distinct: new Set(present).size,
    numeric: numbers.length > 0 ? numericStats(numbers) : null,
    strings: texts.length > 0 ? stringStats(texts, topCategories) : null,
    anomalies: [],
  };
  profile.anomalies = findAnomalies(profile);
  return profile;
}

function numericStats(values: readonly number[]): NumericStats {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const variance = sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / sorted.length;
  return { min: sorted[0]!, max: sorted[sorted.length - 1]!, mean, std: Math.sqrt(variance), p50: median(sorted) };
}

/** Median of ascending `sorted` (non-empty). */
function median(sorted: readonly number[]): number {
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
}

function stringStats(values: readonly string[], topCategories: number): StringStats {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const top = [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || compareText(a.value, b.value))
    .slice(0, topCategories);

  const covered = top.reduce((sum, category) => sum + category.count, 0);
  const totalLength = values.reduce((sum, value) => sum + Array.from(value).length, 0);
  return { topCategories: top, topCoverage: covered / values.length, averageLength: totalLength / values.length };
}

/** Code-unit order, independent of the locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function findAnomalies(profile: ColumnProfile): ProfileAnomaly[] {
  const { rows, missing, distinct } = profile;
  const present = rows - missing;
  const anomalies: ProfileAnomaly[] = [];
  if (rows > 0 && present === 0) {
    anomalies.push({ kind: 'allMissing', message: `all ${rows} values are missing` });
  } else if (profile.missingFraction > HIGH_MISSING_FRACTION) {
    const share = formatNumber(profile.missingFraction);
    anomalies.push({ kind: 'highMissing', message: `${missing} of ${rows} values are missing (${share})` });
  }
  if (distinct === 1) {
    anomalies.push({ kind: 'constantColumn', message: `all ${present} non-missing values are equal` });
  }
  if (present > 0 && distinct === present && rows >= ID_LIKE_MIN_ROWS) {
    anomalies.push({ kind: 'idLike', message: `all ${present} non-missing values are distinct` });
  }
  return anomalies;
}

/** Thresholds and severities of {@link compareProfiles}. Every field is optional. */
export interface DriftPolicy {
  /** Largest allowed rise of a column's missing fraction, absolute. Default 0.1. */
  maxMissingIncrease?: number;
  /**
   * Largest allowed change of a number column's mean, in baseline standard deviations. Default 0.5.
   * A column whose baseline std is 0 is flagged on any change of its mean.
   */
  maxMeanShiftStd?: number;
  /** Largest allowed L-infinity distance between category frequency vectors (see below). Default 0.2. */
  maxCategoryShift?: number;
  /** Severity of a new column, a missing column and a type change. Default `'fail'`. */
  onSchemaChange?: Severity;
  /** Severity of a missing-fraction rise, a mean shift and a category shift. Default `'warn'`. */
  onDistributionShift?: Severity;
}

export type Severity = 'warn' | 'fail';

/** What changed in a column between the baseline and the current profile. */
export type DriftKind =
  'newColumn' | 'missingColumn' | 'typeChange' | 'missingIncrease' | 'meanShift' | 'categoryShift';

/**
 * One change. `baseline` and `current` hold the compared values: the column type for schema
 * findings (`null` on the side where the column is absent), the missing fractions, the means, or
 * for a category shift the frequencies of the category (or `'(other)'`) that moved the most.
 */
export interface DriftFinding {
  column: string;
  kind: DriftKind;
  severity: Severity;
  message: string;
  baseline: string | number | null;
  current: string | number | null;
}

/** All findings, in baseline column order then new columns; `status` is the worst severity, `'ok'` if none. */
export interface DriftReport {
  findings: DriftFinding[];
  status: 'ok' | Severity;
}

type ResolvedPolicy = Required<DriftPolicy>;

const DEFAULT_POLICY: ResolvedPolicy = {
  maxMissingIncrease: 0.1,
  maxMeanShiftStd: 0.5,
  maxCategoryShift: 0.2,
  onSchemaChange: 'fail',
  onDistributionShift: 'warn',
};

/** Label of the frequency of everything outside a top-category list. */
export const OTHER_CATEGORY = '(other)';

/**
 * Compares `current` against `baseline`, column by column, matching columns by name.
 *
 * The category shift of a string column is the L-infinity distance (largest absolute difference)
 * between two frequency vectors over the union of both top-category lists plus {@link OTHER_CATEGORY}.
 * A frequency is `count / non-missing rows`; a category outside a profile's top list counts 0 there
 * and its mass sits in that profile's `'(other)'` entry, which is `1 − topCoverage`. Because profiles
 * keep only the top categories, the measure is exact when both lists cover all values and otherwise
 * an approximation bounded by the distributions' true distance plus the uncovered shares.
 *
 * Distribution checks are skipped for a column whose type changed, and mean/category checks for a
 * column without values on either side (its missing fraction is still compared).
 * Throws {@link InvalidConfigError} when a threshold is negative or not finite.
 */
export function compareProfiles(
  baseline: DatasetProfile,
  current: DatasetProfile,
  policy: DriftPolicy = {},
): DriftReport {
  const resolved = resolvePolicy(policy);
  const currentByName = new Map(current.columns.map((profile) => [profile.name, profile]));
  const baselineNames = new Set(baseline.columns.map((profile) => profile.name));

  const findings = baseline.columns.flatMap((base) => compareColumn(base, currentByName.get(base.name), resolved));
  for (const added of current.columns.filter((profile) => !baselineNames.has(profile.name))) {
    const message = `column ${added.name} (${added.type}) is new; the baseline has no such column`;
    findings.push(finding(added.name, 'newColumn', resolved.onSchemaChange, message, null, added.type));
  }
  return { findings, status: worstStatus(findings) };
}

function resolvePolicy(policy: DriftPolicy): ResolvedPolicy {
  const resolved = { ...DEFAULT_POLICY, ...stripUndefined(policy) };
  for (const field of ['maxMissingIncrease', 'maxMeanShiftStd', 'maxCategoryShift'] as const) {
    const value = resolved[field];
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidConfigError(field, `must be a finite number ≥ 0, got ${value}`);
    }
  }
  return resolved;
}

function stripUndefined(policy: DriftPolicy): DriftPolicy {
  return Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined));
}

function compareColumn(base: ColumnProfile, now: ColumnProfile | undefined, policy: ResolvedPolicy): DriftFinding[] {
  if (!now) {
    const message = `column ${base.name} (${base.type}) is missing; the baseline has it`;
    return [finding(base.name, 'missingColumn', policy.onSchemaChange, message, base.type, null)];
  }
  if (now.type !== base.type) {
    const message = `column ${base.name} changed type from ${base.type} to ${now.type}`;
    return [finding(base.name, 'typeChange', policy.onSchemaChange, message, base.type, now.type)];
  }
  return [missingIncrease(base, now, policy), meanShift(base, now, policy), categoryShift(base, now, policy)].filter(
    (found): found is DriftFinding => found !== null,
  );
}

function missingIncrease(base: ColumnProfile, now: ColumnProfile, policy: ResolvedPolicy): DriftFinding | null {
  const increase = now.missingFraction - base.missingFraction;
  if (increase <= policy.maxMissingIncrease) return null;

  const message =
    `missing fraction of ${base.name} rose from ${formatNumber(base.missingFraction)} to ` +
    `${formatNumber(now.missingFraction)} (+${formatNumber(increase)}; limit +${policy.maxMissingIncrease})`;
  return finding(
    base.name,
    'missingIncrease',
    policy.onDistributionShift,
    message,
    base.missingFraction,
    now.missingFraction,
  );
}

function meanShift(base: ColumnProfile, now: ColumnProfile, policy: ResolvedPolicy): DriftFinding | null {
  if (!base.numeric || !now.numeric) return null;
  const { mean: before, std } = base.numeric;
  const after = now.numeric.mean;
  const shift = Math.abs(after - before);
  if (std === 0 ? shift === 0 : shift <= policy.maxMeanShiftStd * std) return null;

  const size =
    std === 0 ? 'baseline std is 0' : `${formatNumber(shift / std)} baseline std; limit ${policy.maxMeanShiftStd}`;
  const message = `mean of ${base.name} moved from ${formatNumber(before)} to ${formatNumber(after)} (${size})`;
  return finding(base.name, 'meanShift', policy.onDistributionShift, message, before, after);
}

function categoryShift(base: ColumnProfile, now: ColumnProfile, policy: ResolvedPolicy): DriftFinding | null {
  if (!base.strings || !now.strings) return null;
  const before = frequencies(base.strings, base.rows - base.missing);
  const after = frequencies(now.strings, now.rows - now.missing);
  const largest = largestDifference(before, after);
  if (largest.distance <= policy.maxCategoryShift) return null;

  const message =
    `category distribution of ${base.name} shifted by ${formatNumber(largest.distance)} (L-infinity; limit ` +
    `${policy.maxCategoryShift}): frequency of "${largest.category}" went from ${formatNumber(largest.before)} to ` +
    `${formatNumber(largest.after)}`;
  return finding(base.name, 'categoryShift', policy.onDistributionShift, message, largest.before, largest.after);
}

/** Frequencies among the `present` non-missing rows of the top categories, plus `'(other)'` for the rest. */
function frequencies(stats: StringStats, present: number): Map<string, number> {
  const result = new Map(stats.topCategories.map((category) => [category.value, category.count / present]));
  result.set(OTHER_CATEGORY, Math.max(0, 1 - stats.topCoverage));
  return result;
}

/** The category (baseline order first, ties to the first) with the largest absolute frequency difference. */
function largestDifference(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): { category: string; before: number; after: number; distance: number } {
  const categories = [...new Set([...before.keys(), ...after.keys()])];
  let best = { category: OTHER_CATEGORY, before: 0, after: 0, distance: -1 };
  for (const category of categories) {
    const [b, a] = [before.get(category) ?? 0, after.get(category) ?? 0];
    if (Math.abs(a - b) > best.distance) best = { category, before: b, after: a, distance: Math.abs(a - b) };
  }
  return best;
}

function finding(
  name: string,
  kind: DriftKind,
  severity: Severity,
  message: string,
  baseline: string | number | null,
  current: string | number | null,
): DriftFinding {
  return { column: name, kind, severity, message, baseline, current };
}

function worstStatus(findings: readonly DriftFinding[]): DriftReport['status'] {
  if (findings.some((found) => found.severity === 'fail')) return 'fail';
  return findings.length > 0 ? 'warn' : 'ok';
}

/** A number for messages: at most 6 significant digits, no trailing zeros. */
export function formatNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}
