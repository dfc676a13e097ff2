/**
 * Feature scoring out of core: the one-way ANOVA F of every numeric column of a standardized
 * Parquet file against the label, over the training rows, from SQL aggregates. Scores, reasons,
 * order and selection are those of the in-memory `scoreTabularFeatures(…, 'anova')` and `selectTopK`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

import { ROW_ID_COLUMN, SPLIT_COLUMN } from '../../../common/constants';
import { FeatureSelectionError } from '../errors';
import { selectTopK, type FeatureScore, type TabularScoreMethod } from '../select';
import { parquetScan, parquetSchema, queryRows, withEngine, type EngineOptions } from './session';
import { col, compareText, doubleLiteral, valueLiteral } from './sql';

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

/** One class's aggregates of one column over the training rows. */
interface GroupStats {
  label: unknown;
  count: number;
  sum: number;
  firstRow: number;
}

const TRAIN = `${col(SPLIT_COLUMN)} = 'train'`;

/**
 * Scores the numeric columns of `inputPath` (every DOUBLE column but the label, text, row id and
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
  return withEngine(input.engine ?? {}, async ({ connection }) => {
    const reserved = new Set([input.label, input.text, ROW_ID_COLUMN, SPLIT_COLUMN]);
    const schema = await parquetSchema(connection, input.inputPath);
    const candidates = schema.filter((c) => c.type === 'DOUBLE' && !reserved.has(c.name)).map((c) => c.name);
    await connection.run(`CREATE TEMP VIEW train AS SELECT * FROM ${parquetScan(input.inputPath)} WHERE ${TRAIN}`);
    const scores = await anovaScores(connection, candidates, input.label);
    const sorted = sortScores(scores);
    return { method, scores: sorted, selected: selectTopK(sorted, input.maxTabularFeatures).map((s) => s.name) };
  });
}

async function anovaScores(connection: DuckDBConnection, names: readonly string[], label: string) {
  if (names.length === 0) return [];
  const { totals, groups } = await columnStats(connection, names, label);
  const squares = await groupSquares(connection, names, label, groups);
  return names.map((name, i): FeatureScore => {
    if (!totals[i]!.varies) return { name, score: 0, excluded: true, reason: 'constant' };
    return anovaScore(name, totals[i]!, groups[i]!, squares[i]!);
  });
}

/**
 * One scan, two grouping sets: per column over all training rows, whether it has two distinct
 * values, its present count and its sum (in row order); and per column and class, the count, the
 * sum and the first present row, the classes ordered by that first row as the core meets them.
 */
async function columnStats(connection: DuckDBConnection, names: readonly string[], label: string) {
  const expressions = names.map((n) => {
    const x = col(n);
    return (
      `coalesce(min(${x}) <> max(${x}), false), count(${x}), sum(${x}), ` +
      `min(${col(ROW_ID_COLUMN)}) FILTER (WHERE ${x} IS NOT NULL)`
    );
  });
  const rows = await queryRows(
    connection,
    `SELECT GROUPING(${col(label)}), ${col(label)}, ${expressions.join(', ')} FROM train
     GROUP BY GROUPING SETS ((${col(label)}), ())`,
  );
  const total = rows.find((row) => Number(row[0]) === 1) ?? [];
  const perClass = rows.filter((row) => Number(row[0]) === 0);
  const totals = names.map((_, i) => ({
    varies: total[2 + 4 * i] === true,
    count: Number(total[3 + 4 * i] ?? 0),
    sum: Number(total[4 + 4 * i] ?? 0),
  }));
  const groups = names.map((_, i) =>
    perClass
      .map((row): GroupStats => ({
        label: row[1],
        count: Number(row[3 + 4 * i]),
        sum: Number(row[4 + 4 * i]),
        firstRow: Number(row[5 + 4 * i]),
      }))
      .filter((g) => g.count > 0)
      .sort((a, b) => a.firstRow - b.firstRow),
  );
  return { totals, groups };
}

/** Per column and class, Σ (x − class mean)², in the order of {@link groupStats}. */
async function groupSquares(
  connection: DuckDBConnection,
  names: readonly string[],
  label: string,
  groups: readonly GroupStats[][],
): Promise<number[][]> {
  const expressions = names.map((n, i) => {
    const means = groups[i]!.map((g) => `WHEN ${valueLiteral(g.label)} THEN ${doubleLiteral(g.sum / g.count)}`);
    return means.length === 0 ? '0' : `sum(pow(${col(n)} - CASE ${col(label)} ${means.join(' ')} END, 2))`;
  });
  const rows = await queryRows(connection, `SELECT ${col(label)}, ${expressions.join(', ')} FROM train GROUP BY 1`);
  const byLabel = new Map(rows.map(([value, ...cells]) => [String(value), cells.map(Number)]));
  return groups.map((column, i) => column.map((g) => byLabel.get(String(g.label))?.[i] ?? 0));
}

/** The F statistic from the aggregates, combined in the same order and by the same formula as the core. */
function anovaScore(
  name: string,
  total: { count: number; sum: number },
  groups: readonly GroupStats[],
  squares: readonly number[],
): FeatureScore {
  const k = groups.length;
  const n = total.count;
  if (k < 2) return { name, score: 0, excluded: false, reason: 'F undefined: fewer than two classes' };
  if (n <= k) return { name, score: 0, excluded: false, reason: 'F undefined: no within-class degrees of freedom' };

  const grand = total.sum / n;
  const between = groups.reduce((sum, g) => sum + g.count * (g.sum / g.count - grand) ** 2, 0);
  const within = squares.reduce((sum, s) => sum + s, 0);
  if (within === 0) return { name, score: Number.MAX_VALUE, excluded: false, reason: 'zero within-class variance' };
  const f = between / (k - 1) / (within / (n - k));
  return Number.isFinite(f)
    ? { name, score: f, excluded: false }
    : { name, score: 0, excluded: false, reason: 'F undefined' };
}

function sortScores(scores: readonly FeatureScore[]): FeatureScore[] {
  return [...scores].sort(
    (a, b) => Number(a.excluded) - Number(b.excluded) || b.score - a.score || compareText(a.name, b.name),
  );
}
