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
import { copyToParquet, parquetScan, queryRows } from './session';
import { col } from './sql';

/**
 * The one-pass path, taken when the sample types every column: writes the output with those types,
 * each cell of a numeric column checked as it is cast, then takes the report from two light scans
 * (the raw copy's label, entities and dropped rows; the output's missing cells) instead of typing and
 * counting every column first. Returns undefined, having decided nothing, when a cell of a column the
 * sample made numeric is not a plain number (in a kept row or a dropped one) or when such a column
 * has no present cell; and under the 'flag' policy, whose indicator columns depend on the counts.
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
  try {
    await connection.run(copyToParquet(cleanQuery(raw, kept, keep, [], missing, true), outputPath));
  } catch (error) {
    // Not `instanceof Error`: DuckDB's errors come from another realm under jest's module sandbox.
    if (String((error as { message?: unknown } | null)?.message).includes(NOT_NUMERIC)) return undefined;
    throw error;
  }
  const { counts, droppedNumeric } = await rawChecks(connection, raw, kept, spec, missing);
  if (!droppedNumeric) return undefined;
  const [rowsIn = 0, droppedMissingLabel = 0, rowsOut = 0, htmlDecoded = 0] = counts;
  const missingByColumn = await outputMissing(connection, outputPath, kept);
  // A numeric column needs a present cell; where the kept rows have none, let the full typing decide.
  if (kept.some((c) => c.type === 'number' && missingByColumn[c.name] === rowsOut)) return undefined;
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

/**
 * Over the raw copy, reading only the columns it needs: the rows, the rows missing a label, the rows
 * kept and the texts HTML decoding changed; then, over the dropped rows alone, whether every cell of
 * each numeric column is a plain number or missing.
 */
async function rawChecks(
  connection: DuckDBConnection,
  raw: string,
  kept: readonly KeptColumn[],
  spec: EngineCleanSpec,
  missing: readonly string[],
): Promise<{ counts: number[]; droppedNumeric: boolean }> {
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
    `SELECT count(*), count(*) FILTER (WHERE m${names.indexOf(spec.label)}), count(*) FILTER (WHERE ${keep}),
       ${decoded} FROM (${states})`,
  );
  const numeric = needed.flatMap((c, i) => (c.type === 'number' ? [`bool_and(r${i} OR is_plain_number(t${i}))`] : []));
  if (numeric.length === 0) return { counts: counts.map(Number), droppedNumeric: true };
  const [checks = []] = await queryRows(connection, `SELECT ${numeric.join(', ')} FROM (${states}) WHERE NOT ${keep}`);
  return { counts: counts.map(Number), droppedNumeric: checks.every((check) => check !== false) };
}

/**
 * The missing cells of each column of the cleaned output: NULL cells, and for the text column the
 * empty ones (a missing text is written as `''`; a present one is never empty, as it is not blank).
 */
async function outputMissing(
  connection: DuckDBConnection,
  file: string,
  kept: readonly KeptColumn[],
): Promise<Record<string, number>> {
  const counts = kept.map((c) =>
    c.isText ? `count(*) FILTER (WHERE ${col(c.name)} = '')` : `count(*) - count(${col(c.name)})`,
  );
  const row = (await queryRows(connection, `SELECT ${counts.join(', ')} FROM ${parquetScan(file)}`))[0] ?? [];
  return Object.fromEntries(kept.map((c, i) => [c.name, Number(row[i])]));
}
