/**
 * The one-pass path of the engine's clean step: the output written with the types the first rows
 * suggest, each numeric cell checked as it is cast, and the report counted after from light scans.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

import {
  cellStates,
  cleanQuery,
  keptRows,
  NOT_NUMERIC,
  numericCandidates,
  type EngineCleanReport,
  type EngineCleanSpec,
  type KeptColumn,
} from './clean-cells';
import { copyToParquetCounted, parquetScan, queryRows, type WrittenParquet } from './session';
import { col, inList } from './sql';

/**
 * The one-pass path, taken when the sample types every column: writes the output with those types,
 * each cell of a numeric column checked as it is cast, the writer counting its rows and NULL cells,
 * then takes the rest of the report from light scans (the dropped rows' numeric cells, the texts with
 * an ampersand, the output's empty texts) instead of typing and counting every column first. Returns
 * undefined, having decided nothing, when a cell of a column the sample made numeric is not a plain
 * number (in a kept row or a dropped one) or when such a column has no present cell; and under the
 * 'flag' policy, whose indicator columns depend on the counts.
 */
export async function cleanWithSampledTypes(
  connection: DuckDBConnection,
  raw: RawCopy,
  names: readonly string[],
  spec: EngineCleanSpec,
  missing: readonly string[],
  outputPath: string,
): Promise<EngineCleanReport | undefined> {
  if (spec.missing === 'flag') return undefined;
  const columns = names.map((name) => ({ name, isText: name === spec.text }));
  const candidates = await numericCandidates(connection, raw.path, columns, missing);
  const kept = columns.map((c, i): KeptColumn => ({ ...c, type: candidates[i] ? 'number' : 'string' }));
  const keep = keptRows(names, spec);
  let written: WrittenParquet;
  try {
    written = await copyToParquetCounted(connection, cleanQuery(raw.path, kept, keep, [], missing, true), outputPath);
  } catch (error) {
    // Not `instanceof Error`: DuckDB's errors come from another realm under jest's module sandbox.
    if (String((error as { message?: unknown } | null)?.message).includes(NOT_NUMERIC)) return undefined;
    throw error;
  }
  const rowsIn = raw.rows;
  const rowsOut = written.rows;
  if (rowsOut < rowsIn && !(await droppedRowsNumeric(connection, raw.path, kept, spec, missing))) return undefined;
  const missingByColumn = await outputMissing(connection, outputPath, kept, written);
  // A numeric column needs a present cell; where the kept rows have none, let the full typing decide.
  if (kept.some((c) => c.type === 'number' && missingByColumn[c.name] === rowsOut)) return undefined;
  const droppedMissingLabel =
    spec.missing === 'drop' ? await missingLabels(connection, raw.path, spec.label, missing) : rowsIn - rowsOut;
  const htmlDecoded = spec.text === undefined ? 0 : await decodedTexts(connection, raw.path, spec.text, missing);
  return {
    rowsIn,
    rowsOut,
    droppedMissingLabel,
    htmlDecoded,
    missingTextFilled: spec.text === undefined ? 0 : (missingByColumn[spec.text] ?? 0),
    missingByColumn,
    droppedMissingFeature: rowsIn - droppedMissingLabel - rowsOut,
    missingPolicy: spec.missing ?? 'keep',
    flaggedColumns: [],
    piiRedacted: { email: 0, phone: 0, card: 0 },
    columns: kept.map(({ name, type }) => ({ name, type })),
  };
}

/** The untyped Parquet copy of the file clean reads, and its rows (the file's records). */
export interface RawCopy {
  path: string;
  rows: number;
}

/**
 * Whether every cell of each numeric column is a plain number or missing in the rows the step
 * drops (the kept ones were checked as they were written), as the core types a column over all of
 * its cells. Reads only the columns the test and the kept-row condition need.
 */
async function droppedRowsNumeric(
  connection: DuckDBConnection,
  raw: string,
  kept: readonly KeptColumn[],
  spec: EngineCleanSpec,
  missing: readonly string[],
): Promise<boolean> {
  const needed = kept.filter(
    (c) => c.name === spec.label || c.type === 'number' || (spec.missing === 'drop' && c.name !== spec.text),
  );
  const numeric = needed.flatMap((c, i) => (c.type === 'number' ? [`bool_and(r${i} OR is_plain_number(t${i}))`] : []));
  if (numeric.length === 0) return true;
  const keep = keptRows(
    needed.map((c) => c.name),
    spec,
  );
  const sql = `SELECT ${numeric.join(', ')} FROM (${cellStates(raw, needed, missing)}) WHERE NOT ${keep}`;
  const [checks = []] = await queryRows(connection, sql);
  return checks.every((check) => check !== false);
}

/** The rows whose label is missing (empty, blank or a missing-value marker). */
async function missingLabels(
  connection: DuckDBConnection,
  raw: string,
  label: string,
  missing: readonly string[],
): Promise<number> {
  const states = cellStates(raw, [{ name: label, isText: false }], missing);
  return Number((await queryRows(connection, `SELECT count(*) FILTER (WHERE m0) FROM (${states})`))[0]![0]);
}

/**
 * The texts HTML decoding changes: present (not a missing-value marker) and holding an ampersand,
 * which every entity starts with. Reads the text column alone and decodes only those cells.
 */
async function decodedTexts(
  connection: DuckDBConnection,
  raw: string,
  text: string,
  missing: readonly string[],
): Promise<number> {
  const v = col(text);
  // A WHERE clause, not FILTER: its conditions narrow the rows one after the other.
  const sql = `SELECT count(*) FROM ${parquetScan(raw)}
    WHERE contains(${v}, '&') AND NOT ${inList(`js_trim(${v})`, missing)} AND html_decode(${v}) <> ${v}`;
  return Number((await queryRows(connection, sql))[0]![0]);
}

/**
 * The missing cells of each column of the cleaned output: the NULL cells the writer counted and, for
 * the text column, its empty cells (a missing text is written as `''`; a present one is never empty,
 * as it is not blank), counted from the file with any column the writer gave no count for.
 */
async function outputMissing(
  connection: DuckDBConnection,
  file: string,
  kept: readonly KeptColumn[],
  written: WrittenParquet,
): Promise<Record<string, number>> {
  const uncounted = kept.filter((c) => c.isText || !written.nullCounts.has(c.name));
  const counts = uncounted.map((c) =>
    c.isText ? `count(*) FILTER (WHERE ${col(c.name)} = '')` : `count(*) - count(${col(c.name)})`,
  );
  const sql = `SELECT ${counts.join(', ')} FROM ${parquetScan(file)}`;
  const row = counts.length === 0 ? [] : ((await queryRows(connection, sql))[0] ?? []);
  const counted = new Map(uncounted.map((c, i) => [c.name, Number(row[i])]));
  return Object.fromEntries(kept.map((c) => [c.name, counted.get(c.name) ?? written.nullCounts.get(c.name)!]));
}
