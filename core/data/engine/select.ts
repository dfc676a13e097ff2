/**
 * Feature scoring out of core: the one-way ANOVA F of every numeric column of a standardized
 * Parquet file against the label, over the training rows, from SQL aggregates. Scores, reasons,
 * order and selection are those of the in-memory `scoreTabularFeatures(…, 'anova')` and `selectTopK`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

import { ROW_ID_COLUMN, SPLIT_COLUMN } from '../../../common/constants';
import { FeatureSelectionError } from '../errors';
import { selectTopK, sortScores, type FeatureScore, type TabularScoreMethod } from '../select';
import {
  parquetScan,
  parquetSchema,
  queryRows,
  withEngine,
  STREAMING_MEMORY_LIMIT,
  type EngineOptions,
} from './session';
import { col, INDICATOR_TYPE, isNumericType, valueLiteral } from './sql';

/** Input of {@link selectFeaturesParquet}. */
export interface SelectFeaturesParquetInput {
  /** A standardized Parquet file with a `__split` column. */
  inputPath: string;
  label: string;
  text?: string;
  /** How many columns to select (top k by score). */
  maxTabularFeatures: number;
  /** Only `'anova'` is computed out of core; other methods are refused. Default `'anova'`. */
  method?: TabularScoreMethod;
  engine?: EngineOptions;
}

/** Scores of every candidate column (sorted as the core sorts them) and the selected names. */
export interface SelectFeaturesParquetReport {
  method: 'anova';
  scores: FeatureScore[];
  selected: string[];
}

/** A column to score; an indicator column ({@link INDICATOR_TYPE}) stands for 0 and 1. */
interface Candidate {
  name: string;
  indicator: boolean;
}

/** One training class: its label value, its code in the view `coded`, its rows and first row. */
interface TrainClass {
  value: unknown;
  code: number;
  rows: number;
  firstRow: number;
}

/** One class's aggregates of one column over the training rows. */
interface GroupStats {
  label: unknown;
  code: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Population variance of the class's present cells. */
  variance: number;
  firstRow: number;
}

/** Aggregates per column and class in {@link groupStats}'s query, and their tuple. */
const STATS = 5;
type Stats = [count: number, sum: number, min: number, max: number, variance: number];

/** The class code column of the view `coded`. */
const CLASS = '__class_code';

const TRAIN = `${col(SPLIT_COLUMN)} = 'train'`;

/**
 * Scores the numeric columns of `inputPath` (every DOUBLE or indicator column but the label, text, row id and
 * split) by ANOVA F over the training rows and selects the top `maxTabularFeatures`. Constant
 * columns are excluded; F is 0 with a reason where undefined, and `Number.MAX_VALUE` where the
 * classes are perfectly separated. Throws {@link FeatureSelectionError} for a method other than
 * `'anova'`.
 */
export async function selectFeaturesParquet(input: SelectFeaturesParquetInput): Promise<SelectFeaturesParquetReport> {
  const method = input.method ?? 'anova';
  if (method !== 'anova') {
    throw new FeatureSelectionError(`the out-of-core engine scores features by 'anova' only, not '${method}'`, {
      method,
    });
  }
  return withEngine(input.engine ?? {}, STREAMING_MEMORY_LIMIT, async ({ connection }) => {
    const reserved = new Set([input.label, input.text, ROW_ID_COLUMN, SPLIT_COLUMN]);
    const schema = await parquetSchema(connection, input.inputPath);
    const candidates = schema
      .filter((c) => isNumericType(c.type) && !reserved.has(c.name))
      .map((c) => ({ name: c.name, indicator: c.type === INDICATOR_TYPE }));
    await connection.run(`CREATE TEMP VIEW train AS SELECT * FROM ${parquetScan(input.inputPath)} WHERE ${TRAIN}`);
    const scores = await anovaScores(connection, candidates, input.label);
    const sorted = sortScores(scores);
    return { method, scores: sorted, selected: selectTopK(sorted, input.maxTabularFeatures).map((s) => s.name) };
  });
}

async function anovaScores(connection: DuckDBConnection, candidates: readonly Candidate[], label: string) {
  if (candidates.length === 0) return [];
  const classes = await trainClasses(connection, label);
  const groups = await groupStats(connection, candidates, classes);
  return candidates.map(({ name }, i): FeatureScore => {
    const varies = groups[i]!.some((g) => g.min !== groups[i]![0]!.min || g.max !== g.min);
    if (!varies) return { name, score: 0, excluded: true, reason: 'constant' };
    return anovaScore(name, groups[i]!);
  });
}

/** The training classes (label values), each with its rows and first row; the view `coded` numbers them. */
async function trainClasses(connection: DuckDBConnection, label: string): Promise<TrainClass[]> {
  const rows = await queryRows(
    connection,
    `SELECT ${col(label)}, count(*), min(${col(ROW_ID_COLUMN)}) FROM train GROUP BY 1`,
  );
  const classes = rows.map(([value, count, first], code) => ({
    value,
    code,
    rows: Number(count),
    firstRow: Number(first),
  }));
  const codes = classes.map((c) => `WHEN ${valueLiteral(c.value)} THEN ${c.code}`).join(' ');
  await connection.run(`CREATE TEMP VIEW coded AS SELECT *, CASE ${col(label)} ${codes} END AS ${CLASS} FROM train`);
  return classes;
}

/**
 * Per column and class, in one scan: count, sum, minimum, maximum, population variance (DuckDB's
 * `var_pop`, Welford's one-pass update, exactly 0 for a constant class) and first present row; the
 * classes that occur in the column ordered by that first row, as the core meets them. Of an
 * indicator column only its present and its true cells (its sum) are counted: the rest follow from
 * them (see {@link indicatorStats}). The first present row of a class is its first row unless the
 * column has missing cells there, which a second scan resolves.
 */
async function groupStats(
  connection: DuckDBConnection,
  candidates: readonly Candidate[],
  classes: readonly TrainClass[],
): Promise<GroupStats[][]> {
  const expressions = candidates.map(({ name, indicator }) => {
    const x = col(name);
    return indicator ? `count(${x}), count_if(${x})` : `count(${x}), sum(${x}), min(${x}), max(${x}), var_pop(${x})`;
  });
  const rows = await queryRows(connection, `SELECT ${CLASS}, ${expressions.join(', ')} FROM coded GROUP BY 1`);
  const offsets = candidates.reduce<number[]>(
    (starts, c, i) => [...starts, starts[i]! + (c.indicator ? 2 : STATS)],
    [0],
  );
  const stats = candidates.map((candidate, i) =>
    rows.map(([code, ...cells]): GroupStats => {
      const group = classes[Number(code)]!;
      const values = cells.slice(offsets[i], offsets[i + 1]).map(Number);
      const [count, sum, min, max, variance] = candidate.indicator
        ? indicatorStats(values[0]!, values[1]!)
        : (values as Stats);
      return { label: group.value, code: group.code, count, sum, min, max, variance, firstRow: group.firstRow };
    }),
  );
  await resolveFirstRows(
    connection,
    candidates.map((c) => c.name),
    stats,
    classes,
  );
  return stats.map((column) => column.filter((g) => g.count > 0).sort((a, b) => a.firstRow - b.firstRow));
}

/**
 * The aggregates of a 0/1 column from its count and sum: with p the share of ones, the minimum is 1
 * only when every cell is 1, the maximum 0 only when none is, and the population variance p(1 − p).
 */
function indicatorStats(count: number, sum: number): Stats {
  if (count === 0) return [0, 0, NaN, NaN, NaN];
  const p = sum / count;
  return [count, sum, sum === count ? 1 : 0, sum === 0 ? 0 : 1, p * (1 - p)];
}

async function resolveFirstRows(
  connection: DuckDBConnection,
  names: readonly string[],
  stats: GroupStats[][],
  classes: readonly TrainClass[],
): Promise<void> {
  const gappy = names.flatMap((_, i) => (stats[i]!.some((g) => g.count < classes[g.code]!.rows) ? [i] : []));
  if (gappy.length === 0) return;
  const expressions = gappy.map((i) => `min(${col(ROW_ID_COLUMN)}) FILTER (WHERE ${col(names[i]!)} IS NOT NULL)`);
  const rows = await queryRows(connection, `SELECT ${CLASS}, ${expressions.join(', ')} FROM coded GROUP BY 1`);
  for (const [code, ...firsts] of rows) {
    gappy.forEach((i, k) => {
      const group = stats[i]!.find((g) => g.code === Number(code));
      if (group && firsts[k] !== null) group.firstRow = Number(firsts[k]);
    });
  }
}

/**
 * The F statistic from the class aggregates, by the core's formula: between-class over
 * within-class mean squares, the within-class sum of squares being Σ count × variance.
 */
function anovaScore(name: string, groups: readonly GroupStats[]): FeatureScore {
  const k = groups.length;
  const n = groups.reduce((sum, g) => sum + g.count, 0);
  if (k < 2) return { name, score: 0, excluded: false, reason: 'F undefined: fewer than two classes' };
  if (n <= k) return { name, score: 0, excluded: false, reason: 'F undefined: no within-class degrees of freedom' };

  const grand = groups.reduce((sum, g) => sum + g.sum, 0) / n;
  const between = groups.reduce((sum, g) => sum + g.count * (g.sum / g.count - grand) ** 2, 0);
  const within = groups.reduce((sum, g) => sum + g.count * g.variance, 0);
  if (within === 0) return { name, score: Number.MAX_VALUE, excluded: false, reason: 'zero within-class variance' };
  const f = between / (k - 1) / (within / (n - k));
  return Number.isFinite(f)
    ? { name, score: f, excluded: false }
    : { name, score: 0, excluded: false, reason: 'F undefined' };
}
