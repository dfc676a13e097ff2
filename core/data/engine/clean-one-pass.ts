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
import { col } from './sql';

/**
 * The one-pass path, taken when the sample types every column: writes the output with those types,
 * each cell of a numeric column checked as it is cast, the writer counting its rows and NULL cells,
 * then takes the rest of the report from light scans of the raw copy (label and text; the dropped
 * rows' numeric cells) instead of typing and counting every column first. Returns undefined, having decided
 * nothing, when a cell of a column the sample made numeric is not a plain number (in a kept row or
 * a dropped one) or when such a column has no present cell; and under the 'flag' policy, whose
 * indicator columns depend on the counts.
 */
export async function cleanWithSampledTypes(
  connection: DuckDBConnection,
  raw: string,
  names: readonly string[],
  spec: EngineCleanSpec,
  missing: readonly string[],
  outputPath: string,
): Promise<EngineCleanReport | undefined> {
  if (spec.missing === 'flag') return undefined;
  const columns = names.map((name) => ({ name, isText: name === spec.text }));
  const candidates = await numericCandidates(connection, raw, columns, missing);
  const kept = columns.map((c, i): KeptColumn => ({ ...c, type: candidates[i] ? 'number' : 'string' }));
  const keep = keptRows(names, spec);
  let written: WrittenParquet;
  try {
    written = await copyToParquetCounted(connection, cleanQuery(raw, kept, keep, [], missing, true), outputPath);
  } catch (error) {
    // Not `instanceof Error`: DuckDB's errors come from another realm under jest's module sandbox.
    if (String((error as { message?: unknown } | null)?.message).includes(NOT_NUMERIC)) return undefined;
    throw error;
  }
  const checks = await rawChecks(connection, raw, kept, spec, missing);
  if (!checks.droppedNumeric) return undefined;
  const rowsOut = written.rows;
  const missingByColumn = await outputMissing(connection, outputPath, kept, written);
  // A numeric column needs a present cell; where the kept rows have none, let the full typing decide.
  if (kept.some((c) => c.type === 'number' && missingByColumn[c.name] === rowsOut)) return undefined;
  const { rowsIn, droppedMissingLabel, htmlDecoded } = checks;
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

/** What {@link rawChecks} counts over the raw copy. */
interface RawChecks {
  rowsIn: number;
  droppedMissingLabel: number;
  htmlDecoded: number;
  /** Whether every cell of each numeric column in the dropped rows is a plain number or missing. */
  droppedNumeric: boolean;
}

/**
 * Over the raw copy, reading only the columns it needs: the rows, the rows missing a label and the
 * texts HTML decoding changed; then, over the dropped rows
 * alone (the kept ones were checked as they were written), whether every cell of each numeric
 * column is a plain number or missing.
 */
async function rawChecks(
  connection: DuckDBConnection,
  raw: string,
  kept: readonly KeptColumn[],
  spec: EngineCleanSpec,
  missing: readonly string[],
): Promise<RawChecks> {
  const needed = kept.filter(
    (c) =>
      c.name === spec.label || c.isText || c.type === 'number' || (spec.missing === 'drop' && c.name !== spec.text),
  );
  const names = needed.map((c) => c.name);
  const keep = keptRows(names, spec);
  const states = cellStates(raw, needed, missing);
  const text = needed.findIndex((c) => c.isText);
  const decoded = text < 0 ? '0' : `count(*) FILTER (WHERE NOT r${text} AND d${text} <> v${text})`;
  const [counts = []] = await queryRows(
    connection,
    `SELECT count(*), count(*) FILTER (WHERE m${names.indexOf(spec.label)}), ${decoded} FROM (${states})`,
  );
  const [rowsIn, droppedMissingLabel, htmlDecoded] = counts.map(Number) as number[];
  const numeric = needed.flatMap((c, i) => (c.type === 'number' ? [`bool_and(r${i} OR is_plain_number(t${i}))`] : []));
  const [checks = []] =
    numeric.length === 0
      ? []
      : await queryRows(connection, `SELECT ${numeric.join(', ')} FROM (${states}) WHERE NOT ${keep}`);
  return {
    rowsIn: rowsIn!,
    droppedMissingLabel: droppedMissingLabel!,
    htmlDecoded: htmlDecoded!,
    droppedNumeric: checks.every((check) => check !== false),
  };
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
