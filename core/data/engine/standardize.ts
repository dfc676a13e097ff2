/**
 * The split and standardize step out of core: the seeded stratified split of the in-memory core,
 * then z-scores and one-hot encodings fitted on the training rows only, written as Parquet with a
 * `__split` column. The fitted transform is the core's {@link Transform}, usable by the core as is.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

import { ROW_ID_COLUMN, SPLIT_COLUMN, type SplitName } from '../../../common/constants';
import { InvalidConfigError } from '../../../common/errors';
import { SchemaError } from '../errors';
import { quoteLiteral } from '../duckdb';
import { splitCounts, type SplitOptions } from '../split';
import {
  MIN_CATEGORY_COUNT,
  MISSING_SUFFIX,
  RARE_CATEGORY,
  UNKNOWN_CATEGORY,
  type CategoricalTransform,
  type NumericTransform,
  type StandardizeSpec,
  type Transform,
} from '../standardize';
import {
  copyToParquet,
  parquetScan,
  parquetSchema,
  queryRows,
  withEngine,
  STREAMING_MEMORY_LIMIT,
  type EngineOptions,
} from './session';
import { col, compareText, doubleLiteral, INDICATOR_TYPE } from './sql';
import { assignSplits, splitCodeOf, SPLIT_CODE_COLUMN, SPLIT_CODES, type SplitTable } from './split';

/** Input of {@link standardizeParquet}: a deduplicated Parquet file in, a standardized one out. */
export interface StandardizeParquetInput {
  inputPath: string;
  outputPath: string;
  label: string;
  text?: string;
  split: SplitOptions;
  /** Column roles. Default: DOUBLE columns numeric, the others categorical (label, text and row id excluded). */
  spec?: StandardizeSpec;
  engine?: EngineOptions;
}

/** What {@link standardizeParquet} fitted and how it split the rows. */
export interface StandardizeParquetReport {
  transform: Transform;
  /** Class names (labels as strings), sorted. */
  classes: string[];
  splits: Record<SplitName, number>;
  spec: StandardizeSpec;
}

const RELATIVE_VARIANCE_FLOOR = 1e-12;
const JOINED = 'joined';
const SPLIT_CODE = SPLIT_CODE_COLUMN;

/**
 * Splits the rows of `inputPath` as `stratifiedSplit` does, fits `fitStandardizer`'s parameters on
 * the training rows with SQL aggregates (a mean pass, then a squared-deviation pass, as the core
 * computes them), and writes `applyStandardizer`'s output plus `__split` to `outputPath`.
 * Scaling 'zscore' (default) and 'none' are supported, with mean imputation. Throws `SplitError`
 * when a class is too small to stratify, before anything is written, {@link SchemaError} when a
 * listed numeric column does not hold numbers, and `InvalidConfigError` for 'robust' scaling or
 * median / most-frequent imputation (they need order statistics, computed in memory only).
 */
export async function standardizeParquet(input: StandardizeParquetInput): Promise<StandardizeParquetReport> {
  assertSupported(input.spec);
  return withEngine(input.engine ?? {}, STREAMING_MEMORY_LIMIT, async ({ connection }) => {
    const schema = await parquetSchema(connection, input.inputPath);
    const spec = input.spec ?? columnRoles(schema, input);
    assertNumeric(schema, spec);
    const minCount = spec.minCategoryCount ?? MIN_CATEGORY_COUNT;
    const source = parquetScan(input.inputPath, true);
    const split = await assignSplits(connection, source, input.label, input.split);
    await connection.run(
      `CREATE TEMP VIEW ${JOINED} AS SELECT source.*, ${splitCodeOf('file_row_number::BIGINT')} AS ${SPLIT_CODE}
       FROM ${source} AS source CROSS JOIN ${split.table}`,
    );
    await assertAligned(connection, input.label, split, input.split);

    const transform: Transform = {
      version: 1,
      numeric: await fitNumeric(connection, spec.numeric, split.counts.train, scalingOf(spec)),
      categorical: await fitCategorical(connection, spec.categorical, minCount),
    };
    await connection.run(copyToParquet(applyQuery(schema, transform), input.outputPath));
    return { transform, classes: split.classes.map((c) => c.name), splits: split.counts, spec };
  });
}

/** Robust scaling and median or most-frequent imputation need order statistics: in memory only. */
function assertSupported(spec: StandardizeSpec | undefined): void {
  if (spec?.scaling === 'robust') {
    throw new InvalidConfigError('standardize.scaling', "'robust' scaling runs in memory only, not out of core");
  }
  if (spec?.impute !== undefined && spec.impute !== 'mean') {
    throw new InvalidConfigError(
      'standardize.impute',
      `'${spec.impute}' imputation runs in memory only, not out of core`,
    );
  }
}

function scalingOf(spec: StandardizeSpec): 'zscore' | 'none' {
  return spec.scaling === 'none' ? 'none' : 'zscore';
}

function columnRoles(schema: readonly { name: string; type: string }[], input: StandardizeParquetInput) {
  const roles: StandardizeSpec = { numeric: [], categorical: [] };
  for (const { name, type } of schema) {
    if (name === input.label || name === input.text || name === ROW_ID_COLUMN || name === SPLIT_COLUMN) continue;
    (type === 'DOUBLE' ? roles.numeric : roles.categorical).push(name);
  }
  return roles;
}

function assertNumeric(schema: readonly { name: string; type: string }[], spec: StandardizeSpec): void {
  const types = new Map(schema.map((c) => [c.name, c.type]));
  const absent = [...spec.numeric, ...spec.categorical].filter((name) => !types.has(name));
  if (absent.length > 0) {
    throw new SchemaError(
      `column(s) ${absent.join(', ')} not found; available columns: ${[...types.keys()].join(', ')}`,
      {
        missing: absent,
        available: [...types.keys()],
      },
    );
  }
  const text = spec.numeric.find((name) => types.get(name) !== 'DOUBLE');
  if (text) throw new SchemaError(`column ${text} is listed as numeric but holds text`, { column: text });
}

/**
 * Each class must send to test and validation exactly the rows the split assigned it: a check that
 * the lookup by row number lined every split code up with its row.
 */
async function assertAligned(connection: DuckDBConnection, label: string, split: SplitTable, options: SplitOptions) {
  const rows = await queryRows(
    connection,
    `SELECT ${col(label)}, count(*) FILTER (WHERE ${SPLIT_CODE} = 1),
       count(*) FILTER (WHERE ${SPLIT_CODE} = 2), count(*) FILTER (WHERE ${SPLIT_CODE} IS NULL)
     FROM ${JOINED} GROUP BY 1`,
  );
  const found = new Map(
    rows.map(([name, validation, test, unmatched]) => [String(name), [validation, test, unmatched]]),
  );
  for (const { value, rows: size } of split.classes) {
    const expected = splitCounts(size, options);
    const [validation, test, unmatched] = (found.get(String(value)) ?? []).map(Number);
    if (validation !== expected.validation || test !== expected.test || unmatched !== 0) {
      throw new Error(`split codes are not aligned with the rows of class ${String(value)}`);
    }
  }
}

/** Mean and population std of each numeric column over the training rows, as `fitStandardizer`. */
async function fitNumeric(
  connection: DuckDBConnection,
  names: readonly string[],
  trainRows: number,
  scaling: 'zscore' | 'none',
): Promise<NumericTransform[]> {
  if (names.length === 0) return [];
  const sums = await trainAggregates(
    connection,
    names.flatMap((n) => [`count(${col(n)})`, `sum(${col(n)})`]),
  );
  const means = names.map((_, i) => {
    const count = Number(sums[2 * i]);
    return count === 0 ? 0 : Number(sums[2 * i + 1]) / count;
  });
  const squares = await trainAggregates(
    connection,
    names.map((n, i) => `sum(pow(${col(n)} - ${doubleLiteral(means[i]!)}, 2))`),
  );
  return names.map((name, i) => {
    const count = Number(sums[2 * i]);
    const missingIndicator = count < trainRows;
    if (count === 0) {
      return { name, mean: 0, std: 0, zeroVariance: true, missingIndicator, scaling, center: 0, scale: 1, fill: 0 };
    }
    const mean = means[i]!;
    const std = Math.sqrt(Number(squares[i]) / count);
    const zeroVariance = std === 0 || std < RELATIVE_VARIANCE_FLOOR * Math.max(1, Math.abs(mean));
    const [center, scale] = scaling === 'zscore' ? [mean, std] : [0, 1];
    return { name, mean, std, zeroVariance, missingIndicator, scaling, center, scale, fill: mean };
  });
}

async function trainAggregates(connection: DuckDBConnection, expressions: readonly string[]): Promise<unknown[]> {
  const rows = await queryRows(connection, `SELECT ${expressions.join(', ')} FROM ${JOINED} WHERE ${SPLIT_CODE} = 0`);
  return rows[0] ?? [];
}

/**
 * Categories seen in training, sorted; those seen fewer than `minCount` times are rare. One scan
 * counts every categorical column (one grouping set per column).
 */
async function fitCategorical(
  connection: DuckDBConnection,
  names: readonly string[],
  minCount: number,
): Promise<CategoricalTransform[]> {
  if (names.length === 0) return [];
  const values = names.map((n) => `CAST(${col(n)} AS VARCHAR)`);
  const sets = values.map((v) => `(${v})`).join(', ');
  const rows = await queryRows(
    connection,
    `SELECT GROUPING(${values.join(', ')}), ${values.join(', ')}, count(*) FROM ${JOINED} WHERE ${SPLIT_CODE} = 0
     GROUP BY GROUPING SETS (${sets})`,
  );
  return names.map((name, i) => {
    const mask = (2 ** names.length - 1) ^ (2 ** (names.length - 1 - i));
    const counts = new Map<string, number>();
    for (const row of rows) {
      const value = row[1 + i];
      if (Number(row[0]) === mask && value !== null) counts.set(String(value), Number(row[row.length - 1]));
    }
    const sorted = [...counts.keys()].sort(compareText);
    return {
      name,
      categories: sorted.filter((c) => counts.get(c)! >= minCount),
      rare: sorted.filter((c) => counts.get(c)! < minCount),
    };
  });
}

/** Prefix of the column that holds a categorical column's 1-based position in its known categories. */
const POSITION_PREFIX = '__category_position_';

/**
 * Every input column in place (numeric and categorical ones replaced), then `__split`. A pure
 * projection of the joined rows (no `IN` lists, which DuckDB plans as joins), so that DuckDB writes
 * the file in parallel and in row order.
 */
function applyQuery(schema: readonly { name: string }[], transform: Transform): string {
  const numeric = new Map(transform.numeric.map((t) => [t.name, t]));
  const categorical = new Map(transform.categorical.map((t, i) => [t.name, { fit: t, i }]));
  const columns = schema.flatMap(({ name }) => {
    const numericFit = numeric.get(name);
    const categoricalFit = categorical.get(name);
    if (numericFit) return numericColumns(numericFit);
    if (categoricalFit) return categoricalColumns(categoricalFit.fit, `${POSITION_PREFIX}${categoricalFit.i}`);
    return [col(name)];
  });
  const positions = transform.categorical.map((fit, i) => `${categoryPosition(fit)} AS ${POSITION_PREFIX}${i}`);
  const split = `CASE ${SPLIT_CODE} ${SPLIT_CODES.map((s, i) => `WHEN ${i} THEN '${s}'`).join(' ')} END`;
  return `SELECT ${columns.join(', ')}, ${split} AS ${col(SPLIT_COLUMN)}
    FROM (SELECT *${positions.map((p) => `, ${p}`).join('')} FROM ${JOINED})`;
}

function numericColumns(fit: NumericTransform): string[] {
  const x = col(fit.name);
  const scaled =
    fit.scaling === 'none'
      ? `coalesce(${x}, ${doubleLiteral(fit.fill ?? fit.mean)})`
      : fit.zeroVariance
        ? 'CAST(0 AS DOUBLE)'
        : `CASE WHEN ${x} IS NULL THEN CAST(0 AS DOUBLE) ` +
          `ELSE (${x} - ${doubleLiteral(fit.mean)}) / ${doubleLiteral(fit.std)} END`;
  const columns = [`${scaled} AS ${x}`];
  if (fit.missingIndicator) {
    columns.push(`(${x} IS NULL)::${INDICATOR_TYPE} AS ${col(fit.name + MISSING_SUFFIX)}`);
  }
  return columns;
}

/**
 * The 1-based position of the cell among the categories then the rare values (both sorted, as
 * fitted), 0 when it is missing or unknown.
 */
function categoryPosition(fit: CategoricalTransform): string {
  const known = [...fit.categories, ...fit.rare];
  if (known.length === 0) return '0';
  return `coalesce(list_position([${known.map(quoteLiteral).join(', ')}], CAST(${col(fit.name)} AS VARCHAR)), 0)`;
}

/** One 0/1 column per category, one for the rare values when there are any, one for the unknown. */
function categoricalColumns(fit: CategoricalTransform, position: string): string[] {
  const indicator = (condition: string, slot: string): string =>
    `(${condition})::${INDICATOR_TYPE} AS ${col(`${fit.name}=${slot}`)}`;
  const columns = fit.categories.map((c, k) => indicator(`${position} = ${k + 1}`, c));
  if (fit.rare.length > 0) columns.push(indicator(`${position} > ${fit.categories.length}`, RARE_CATEGORY));
  columns.push(indicator(`${position} = 0`, UNKNOWN_CATEGORY));
  return columns;
}
