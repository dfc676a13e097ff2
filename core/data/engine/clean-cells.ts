/**
 * The cell rules of the engine's clean step as SQL over the raw (all-VARCHAR) copy of a file: the
 * state of every cell (trimmed, missing, HTML-decoded), the rows kept, the cleaned value of each
 * column, and the sample that rules out numeric types cheaply.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

import { ROW_ID_COLUMN } from '../../../common/constants';
import { ISNA_SUFFIX, type CleanReport, type CleanRulesReport, type CleanSpec } from '../clean';
import { quoteLiteral } from '../duckdb';
import type { ColumnType } from '../frame';
import { parquetScan, queryRows } from './session';
import { col, inList } from './sql';

/** Which columns to keep; `features` defaults to every column except the label and the text. */
export type EngineCleanSpec = Omit<CleanSpec, 'features'> & { features?: string[] };

/** The reports of `cleanFrame`, plus the type of every output column but the row id, in output order. */
export interface EngineCleanReport extends CleanReport, CleanRulesReport {
  columns: { name: string; type: ColumnType }[];
}

/** One kept column: its name, inferred type, and whether it is the free-text column. */
export interface KeptColumn {
  name: string;
  type: ColumnType;
  isText: boolean;
}

/**
 * The raw copy with, per kept column `i`: `v<i>` the cell, `t<i>` it trimmed, `r<i>` whether it is
 * missing as read (empty or a missing-value marker), `m<i>` whether it is missing after cleaning and,
 * for the text column, `d<i>` its HTML-decoded value. Each rule is thus evaluated once per cell.
 */
export function cellStates(
  raw: string,
  kept: readonly { name: string; isText: boolean }[],
  missing: readonly string[],
  limit?: number,
) {
  const scan =
    limit === undefined ? parquetScan(raw, true) : `(SELECT * FROM ${parquetScan(raw, true)} LIMIT ${limit})`;
  const trimmed = kept.map((c, i) => `${col(c.name)} AS v${i}, js_trim(${col(c.name)}) AS t${i}`);
  const read = kept.map((_, i) => `v${i}, t${i}, (v${i} IS NULL OR ${inList(`t${i}`, missing)}) AS r${i}`);
  const states = kept.map((c, i) => {
    if (!c.isText) return `v${i}, t${i}, r${i}, (r${i} OR t${i} = '') AS m${i}`;
    const decoded = `CASE WHEN r${i} THEN NULL WHEN contains(v${i}, '&') THEN html_decode(v${i}) ELSE v${i} END`;
    // `d<i>` refers to the alias defined just before it in the same list, so decoding runs once.
    const emptied = `(r${i} OR (CASE WHEN contains(v${i}, '&') THEN js_trim(d${i}) ELSE t${i} END) = '')`;
    return `v${i}, t${i}, r${i}, ${decoded} AS d${i}, ${emptied} AS m${i}`;
  });
  return `SELECT ${states.join(', ')}, row FROM (
      SELECT ${read.join(', ')}, row FROM (
        SELECT ${trimmed.join(', ')}, file_row_number AS row FROM ${scan}))`;
}

/** Rows read first to rule out, cheaply, the columns that are not numeric. */
const SAMPLE_ROWS = 4096;

/**
 * Whether each kept column may be numeric: not the text column (always text), and no present cell
 * among the first {@link SAMPLE_ROWS} rows that is not a plain number. Only these columns have
 * every cell tested in the full pass.
 */
export async function numericCandidates(
  connection: DuckDBConnection,
  raw: string,
  columns: readonly { name: string; isText: boolean }[],
  missing: readonly string[],
): Promise<boolean[]> {
  const tests = columns.map((_, i) => `bool_and(r${i} OR is_plain_number(t${i}))`);
  const sql = `SELECT ${tests.join(', ')} FROM (${cellStates(raw, columns, missing, SAMPLE_ROWS)})`;
  const row = (await queryRows(connection, sql))[0] ?? [];
  return columns.map((c, i) => !c.isText && row[i] !== false);
}

/** The kept columns that are features (neither the label nor the text). */
export function featureNames(names: readonly string[], spec: EngineCleanSpec): string[] {
  return names.filter((name) => name !== spec.label && name !== spec.text);
}

/** The condition a row must meet to be kept: a label, and under `'drop'` every feature. */
export function keptRows(names: readonly string[], spec: EngineCleanSpec): string {
  const conditions = [`NOT m${names.indexOf(spec.label)}`];
  if (spec.missing === 'drop') {
    for (const feature of featureNames(names, spec)) conditions.push(`NOT m${names.indexOf(feature)}`);
  }
  return `(${conditions.join(' AND ')})`;
}

/** What a numeric cell that is not a plain number raises, where the write checks each cell it casts. */
export const NOT_NUMERIC = 'distillery: a cell of a column typed numeric is not a plain number';

/**
 * The cleaned value of kept column `i`, as `cleanFrame` computes it; with `checked`, a numeric
 * cell that is not a plain number raises {@link NOT_NUMERIC} instead of being cast.
 */
function cleanedColumn(column: KeptColumn, i: number, checked = false): string {
  if (column.isText) return `CASE WHEN m${i} THEN '' ELSE nfc_normalize(d${i}) END`;
  if (column.type === 'number' && checked) {
    return `CASE WHEN r${i} THEN NULL WHEN is_plain_number(t${i}) THEN CAST(t${i} AS DOUBLE)
      ELSE error(${quoteLiteral(NOT_NUMERIC)}) END`;
  }
  if (column.type === 'number') return `CASE WHEN r${i} THEN NULL ELSE CAST(t${i} AS DOUBLE) END`;
  return `CASE WHEN m${i} THEN NULL ELSE nfc_normalize(t${i}) END`;
}

/** The cleaned columns, the row id, then a 0/1 indicator per flagged feature. */
export function cleanQuery(
  raw: string,
  kept: readonly KeptColumn[],
  keep: string,
  flaggedColumns: readonly string[],
  missing: readonly string[],
  checked = false,
): string {
  const columns = kept.map((c, i) => `${cleanedColumn(c, i, checked)} AS ${col(c.name)}`);
  const flags = flaggedColumns.map((flag) => {
    const i = kept.findIndex((c) => c.name + ISNA_SUFFIX === flag);
    return `m${i}::DOUBLE AS ${col(flag)}`;
  });
  return `SELECT ${[...columns, `CAST(row AS DOUBLE) AS ${col(ROW_ID_COLUMN)}`, ...flags].join(', ')}
    FROM (${cellStates(raw, kept, missing)}) WHERE ${keep}`;
}
