/**
 * The dedupe step out of core, with the semantics of the in-memory `dedupeFrame`: exact duplicates
 * first (every column but the row id; the first occurrence stays), then rows whose text is equal
 * after normalisation, one row per group, the majority label winning.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

import { ROW_ID_COLUMN } from '../../../common/constants';
import { InvalidConfigError } from '../../../common/errors';
import {
  MAX_LISTED_CONFLICTS,
  type ConflictPolicy,
  type DedupeConflict,
  type DedupeReport,
  type DedupeSpec,
} from '../dedupe';
import { SchemaError } from '../errors';
import {
  assertRowOrder,
  copyToParquet,
  parquetScan,
  parquetSchema,
  queryRows,
  withEngine,
  HASHING_MEMORY_LIMIT,
  type EngineOptions,
} from './session';
import { col } from './sql';

/** Input of {@link dedupeParquet}: a cleaned Parquet file (with `__row_id`) in, one out. */
export interface DedupeParquetInput {
  inputPath: string;
  outputPath: string;
  spec: DedupeSpec;
  engine?: EngineOptions;
}

const CONFLICT_TEXT_LENGTH = 80;

/**
 * Removes duplicate rows of `inputPath` into `outputPath`, rows in input order, and reports
 * what it removed exactly as `dedupeFrame` does. When the normalised-text groups' labels differ,
 * the most frequent label wins (a tie goes to the label seen first) and the first row carrying it
 * is kept. Both stages are hash aggregations that spill to disk under the engine's memory limit.
 */
export async function dedupeParquet(input: DedupeParquetInput): Promise<DedupeReport> {
  if (input.spec.near) {
    throw new InvalidConfigError(
      'dedupe.near',
      'near-duplicate (MinHash) detection runs in memory only, not out of core',
    );
  }
  return withEngine(input.engine ?? {}, HASHING_MEMORY_LIMIT, async ({ connection }) => {
    const columns = await contentColumns(connection, input.inputPath, input.spec);
    const source = parquetScan(input.inputPath);
    const key =
      input.spec.text === undefined
        ? ''
        : `, dedupe_key(${col(input.spec.text)}) AS k, ${col(input.spec.label)} AS label`;
    await connection.run(
      `CREATE TEMP TABLE first_exact AS SELECT min(${col(ROW_ID_COLUMN)}) AS id${key} FROM ${source}
       GROUP BY ${columns.map(col).join(', ')}`,
    );
    const keepTable = input.spec.text === undefined ? 'first_exact' : await resolveTextGroups(connection, input);
    await storeKeepMask(connection, source, keepTable);
    await connection.run(
      copyToParquet(
        `SELECT source.* FROM ${source} AS source CROSS JOIN ${KEEP_MASK}
         WHERE get_bit(${KEEP_MASK}.mask, source.${col(ROW_ID_COLUMN)}::INTEGER) = 1`,
        input.outputPath,
      ),
    );
    await assertRowOrder(connection, input.outputPath, ROW_ID_COLUMN);
    return report(connection, source, input.spec);
  });
}

/** The one-row temp table whose `mask` has the bit of each kept row id set. */
const KEEP_MASK = 'keep_mask';

/**
 * Stores the row ids of `keepTable` (column `id`) as a bit string, bit `i` set when row `i` stays, so
 * that one scan of `source` keeps them in file order: a bit lookup per row, where a semi-join would
 * lose the order and need a sort after. The row ids of `source` must be those clean writes, row
 * numbers of the file: whole and not negative, else {@link SchemaError}.
 */
async function storeKeepMask(connection: DuckDBConnection, source: string, keepTable: string): Promise<void> {
  const id = col(ROW_ID_COLUMN);
  const sql = `SELECT min(${id}), max(${id}), coalesce(bool_and(${id} = floor(${id})), true) FROM ${source}`;
  const [min, max, whole] = (await queryRows(connection, sql))[0]!;
  if (whole !== true || Number(min ?? 0) < 0 || Number(max ?? 0) >= MAX_ROW_ID) {
    throw new SchemaError(`${ROW_ID_COLUMN} must hold 0-based row numbers below ${MAX_ROW_ID}`, {
      min: Number(min),
      max: Number(max),
    });
  }
  await connection.run(
    `CREATE TEMP TABLE ${KEEP_MASK} AS SELECT bitstring_agg(id::INTEGER, 0, ${Number(max ?? 0)}) AS mask
     FROM ${keepTable}`,
  );
}

/** Row ids index a bit string by a 32-bit integer. */
const MAX_ROW_ID = 2 ** 31 - 1;

/** Every column except the row id; fails when the label, the text or the row id is absent. */
async function contentColumns(connection: DuckDBConnection, file: string, spec: DedupeSpec): Promise<string[]> {
  const names = (await parquetSchema(connection, file)).map((c) => c.name);
  const needed = [spec.label, ...(spec.text === undefined ? [] : [spec.text]), ROW_ID_COLUMN];
  const absent = needed.filter((name) => !names.includes(name));
  if (absent.length > 0) {
    throw new SchemaError(`column(s) ${absent.join(', ')} not found; available columns: ${names.join(', ')}`, {
      missing: absent,
      available: names,
    });
  }
  return names.filter((name) => name !== ROW_ID_COLUMN);
}

/**
 * The first rows of the (text, label) groups of the conflicting text groups that each policy keeps,
 * as a query over `conflicting`: aggregates per text group rather than window functions, which sort.
 */
const CONFLICT_WINNERS: Readonly<Record<ConflictPolicy, string>> = {
  majority: 'SELECT arg_min(first, (-n, first)) AS id FROM conflicting GROUP BY k',
  keep: 'SELECT first AS id FROM conflicting',
  drop: 'SELECT first AS id FROM conflicting WHERE false',
};

/** The rows of a conflicting group that each policy keeps, as a list expression over its label groups. */
const KEPT_IN_CONFLICT: Readonly<Record<ConflictPolicy, string>> = {
  majority: '[list(first ORDER BY n DESC, first)[1]]',
  keep: 'list(first ORDER BY first)',
  drop: '[]::DOUBLE[]',
};

/**
 * Groups the rows that survived the exact stage (their text key was computed once per exact group)
 * by normalised text. A text group with one label keeps its first row; only the few groups with
 * several labels (`conflicting`) are grouped further by (text, label), each label group with its
 * size and first row. Under `'majority'` the winner of a conflicting group is its largest label
 * group, ties to the earliest; under `'keep'` every label group's first row stays; under `'drop'`
 * the group loses all its rows.
 */
async function resolveTextGroups(connection: DuckDBConnection, input: DedupeParquetInput): Promise<string> {
  await connection.run(
    `CREATE TEMP TABLE text_groups AS
     SELECT k, min(id) AS first, min(label) <> max(label) AS mixed FROM first_exact GROUP BY k`,
  );
  await connection.run(
    `CREATE TEMP TABLE conflicting AS SELECT k, label, count(*) AS n, min(id) AS first FROM first_exact
     WHERE k IN (SELECT k FROM text_groups WHERE mixed) GROUP BY k, label`,
  );
  await connection.run(
    `CREATE TEMP TABLE winners AS SELECT first AS id FROM text_groups WHERE NOT mixed
     UNION ALL ${CONFLICT_WINNERS[policyOf(input.spec)]}`,
  );
  return 'winners';
}

function policyOf(spec: DedupeSpec): ConflictPolicy {
  return spec.policy ?? 'majority';
}

async function report(connection: DuckDBConnection, source: string, spec: DedupeSpec): Promise<DedupeReport> {
  const byText = spec.text !== undefined;
  const kept = byText ? '(SELECT count(*) FROM winners)' : '(SELECT count(*) FROM first_exact)';
  const sql = `SELECT (SELECT count(*) FROM ${source}), (SELECT count(*) FROM first_exact), ${kept}`;
  const [rowsIn, afterExact, rowsOut] = (await queryRows(connection, sql))[0]!.map(Number) as [number, number, number];
  const found = byText ? await conflicts(connection, policyOf(spec)) : { count: 0, listed: [] };
  return {
    rowsIn,
    exactDuplicates: rowsIn - afterExact,
    normalizedDuplicates: afterExact - rowsOut,
    nearDuplicates: 0,
    policy: policyOf(spec),
    conflictingGroups: found.count,
    conflicts: found.listed,
    rowsOut,
  };
}

/** The conflicting text groups (`conflicting`): how many there are, and the first ones by first occurrence. */
async function conflicts(
  connection: DuckDBConnection,
  policy: ConflictPolicy,
): Promise<{ count: number; listed: DedupeConflict[] }> {
  const count = Number((await queryRows(connection, 'SELECT count(DISTINCT k) FROM conflicting'))[0]![0]);
  const rows = await queryRows(
    connection,
    `SELECT k, list(label ORDER BY first) AS labels, list(n ORDER BY first) AS counts, sum(n) AS rows,
       ${KEPT_IN_CONFLICT[policy]} AS kept, min(first) AS first FROM conflicting
     WHERE k IN (SELECT k FROM conflicting GROUP BY k ORDER BY min(first) LIMIT ${MAX_LISTED_CONFLICTS})
     GROUP BY k ORDER BY first`,
  );
  const listed = rows.map(([k, labels, counts, total, kept]): DedupeConflict => ({
    stage: 'normalized',
    text: String(k).slice(0, CONFLICT_TEXT_LENGTH),
    labels: Object.fromEntries((labels as unknown[]).map((l, i) => [String(l), Number((counts as unknown[])[i])])),
    rows: Number(total),
    kept: (kept as unknown[]).map(Number),
  }));
  return { count, listed };
}
