/**
 * The clean step out of core: a delimited file in, a Parquet file out, with the semantics of the
 * in-memory `cleanFrame` over `readCsv`'s output (same rows, same cells, same types, same report).
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';

import { ROW_ID_COLUMN } from '../../../common/constants';
import { InvalidConfigError } from '../../../common/errors';
import { ISNA_SUFFIX, type CleanReport, type CleanRulesReport, type CleanSpec } from '../clean';
import { quoteLiteral } from '../duckdb';
import { CsvParseError, SchemaError } from '../errors';
import type { ColumnType } from '../frame';
import { assertUniqueNames, plainNames, type ReadOptions } from '../read';
import {
  copyToParquet,
  parquetScan,
  queryRows,
  withEngine,
  STREAMING_MEMORY_LIMIT,
  type EngineOptions,
} from './session';
import { col, inList } from './sql';

/** Which columns to keep; `features` defaults to every column except the label and the text. */
export type EngineCleanSpec = Omit<CleanSpec, 'features'> & { features?: string[] };

/** Reading options the engine honours (as {@link ReadOptions}). */
export type EngineReadOptions = Pick<
  ReadOptions,
  'delimiter' | 'header' | 'encoding' | 'missingValues' | 'columnNames'
>;

/** The reports of `cleanFrame`, plus the type of every output column but the row id, in output order. */
export interface EngineCleanReport extends CleanReport, CleanRulesReport {
  columns: { name: string; type: ColumnType }[];
}

/** Input of {@link cleanCsv}. */
export interface CleanCsvInput {
  csvPath: string;
  outputPath: string;
  spec: EngineCleanSpec;
  read?: EngineReadOptions;
  engine?: EngineOptions;
}

interface Dialect {
  delimiter: string;
  header: boolean;
  encoding: string;
}

/** One kept column: its name, inferred type, and whether it is the free-text column. */
interface KeptColumn {
  name: string;
  type: ColumnType;
  isText: boolean;
}

/**
 * Cleans the delimited file at `csvPath` into `outputPath` (Parquet: numbers as DOUBLE, text as
 * VARCHAR, then `__row_id`, the 0-based data row of the file). The rules are those of `readCsv` and
 * `cleanFrame`: a column is numeric when every present cell is a plain decimal number (no zero
 * padding, nothing beyond 2^53), types are inferred over the whole column, string cells are
 * trimmed and put in NFC, the text column keeps its surrounding white space and has its HTML
 * entities decoded once (by clean's own decoder), rows without a label are dropped, a missing text
 * becomes `''`, and rows missing a feature are kept, dropped or flagged as `spec.missing` says.
 *
 * The file is converted once to an untyped Parquet copy in the engine's temp folder, so the text is
 * parsed only once. When the first rows' types hold for every cell (checked as the output is
 * written), the output is written in one pass and the report counted after; otherwise every column
 * is typed and counted over all rows first, then written. Throws {@link CsvParseError} when
 * DuckDB cannot parse the file (ragged rows, invalid UTF-8), {@link SchemaError} for duplicate
 * header names or spec columns the file lacks, and `InvalidConfigError` for `redactPii`.
 */
export async function cleanCsv(input: CleanCsvInput): Promise<EngineCleanReport> {
  if (input.spec.redactPii) {
    throw new InvalidConfigError('clean.redactPii', 'PII redaction runs in memory only, not in the out-of-core engine');
  }
  return withEngine(input.engine ?? {}, STREAMING_MEMORY_LIMIT, async ({ connection, scratchDirectory }) => {
    const raw = path.join(scratchDirectory, `raw-${randomUUID()}.parquet`);
    try {
      const names = await copyRaw(connection, input.csvPath, input.read ?? {}, raw);
      const keptNames = keptColumns(names, input.spec);
      const missing = input.read?.missingValues ?? [];
      const typedFromSample = await cleanWithSampledTypes(
        connection,
        raw,
        keptNames,
        input.spec,
        missing,
        input.outputPath,
      );
      if (typedFromSample) return typedFromSample;
      const { kept, report } = await inferAndCount(connection, raw, keptNames, input.spec, missing);
      const query = cleanQuery(raw, kept, keptRows(keptNames, input.spec), report.flaggedColumns, missing);
      await connection.run(copyToParquet(query, input.outputPath));
      return report;
    } finally {
      await rm(raw, { force: true });
    }
  });
}

/** Writes every record of the file as VARCHAR columns to `raw`; returns the column names. */
async function copyRaw(connection: DuckDBConnection, file: string, read: EngineReadOptions, raw: string) {
  const dialect = await sniffDialect(connection, file, read);
  const first = await duck(connection, file, `SELECT * FROM ${csvScan(file, { ...dialect, header: false })} LIMIT 1`);
  const cells = (first[0] ?? []).map((cell) => (cell === null || cell === undefined ? null : String(cell)));
  const names = dialect.header ? headerNames(cells) : plainNames(cells.length, read.columnNames);
  assertUniqueNames(names);
  const scan = csvScan(file, dialect, names);
  await duck(connection, file, copyToParquet(`SELECT * FROM ${scan}`, raw, 'uncompressed'));
  return names;
}

function csvScan(file: string, dialect: Dialect, names?: readonly string[]): string {
  const named = names ? `, names = [${names.map(quoteLiteral).join(', ')}]` : '';
  return (
    `read_csv(${quoteLiteral(file)}, all_varchar = true, header = ${dialect.header}, ` +
    `delim = ${quoteLiteral(dialect.delimiter)}, encoding = ${quoteLiteral(dialect.encoding)}${named})`
  );
}

async function sniffDialect(connection: DuckDBConnection, file: string, read: EngineReadOptions): Promise<Dialect> {
  const encoding = normaliseEncoding(read.encoding);
  if (read.delimiter !== undefined && read.header !== undefined) {
    return { delimiter: read.delimiter, header: read.header, encoding };
  }
  const sql =
    `SELECT Delimiter, HasHeader FROM sniff_csv(${quoteLiteral(file)}, ` +
    `encoding = ${quoteLiteral(encoding)}, sample_size = 20480)`;
  const row = (await duck(connection, file, sql))[0] ?? [];
  return { delimiter: read.delimiter ?? String(row[0] ?? ','), header: read.header ?? row[1] === true, encoding };
}

function normaliseEncoding(encoding: string | undefined): string {
  const key = (encoding ?? 'utf-8').toLowerCase().replace(/[_\s]/g, '-');
  if (key === 'utf8' || key === 'utf-8') return 'utf-8';
  if (['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1'].includes(key)) return 'latin-1';
  return key === 'utf16' ? 'utf-16' : key;
}

/** Runs a query over the user's file; DuckDB failures become {@link CsvParseError} naming it. */
async function duck(connection: DuckDBConnection, file: string, sql: string): Promise<unknown[][]> {
  try {
    return await queryRows(connection, sql);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CsvParseError(`cannot read ${file}: ${reason}`, { path: file }, { cause: error });
  }
}

function headerNames(header: readonly (string | null)[]): string[] {
  return header.map((cell, c) => {
    const name = (cell ?? '').replace(/^\uFEFF/, '').trim();
    return name === '' ? `column${c + 1}` : name;
  });
}

/** The spec's columns in order, each once; fails naming the ones the file lacks. */
function keptColumns(available: readonly string[], spec: EngineCleanSpec): string[] {
  const features = spec.features ?? available.filter((name) => name !== spec.label && name !== spec.text);
  const names = [...new Set([spec.label, ...(spec.text === undefined ? [] : [spec.text]), ...features])];
  const absent = names.filter((name) => !available.includes(name));
  if (absent.length > 0) {
    throw new SchemaError(
      `column(s) ${absent.map((n) => `"${n}"`).join(', ')} not found; available columns: ${available.join(', ')}`,
      { missing: absent, available: [...available] },
    );
  }
  return names;
}

/**
 * The raw copy with, per kept column `i`: `v<i>` the cell, `t<i>` it trimmed, `r<i>` whether it is
 * missing as read (empty or a missing-value marker), `m<i>` whether it is missing after cleaning and,
 * for the text column, `d<i>` its HTML-decoded value. Each rule is thus evaluated once per cell.
 */
function cellStates(
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

/**
 * One pass over the raw copy: the type of every kept column (numeric when every present cell is a
 * plain number), the rows, the dropped rows, the decoded texts and the missing cells per column.
 */
async function inferAndCount(
  connection: DuckDBConnection,
  raw: string,
  names: readonly string[],
  spec: EngineCleanSpec,
  missing: readonly string[],
): Promise<{ kept: KeptColumn[]; report: EngineCleanReport }> {
  const columns = names.map((name) => ({ name, isText: name === spec.text }));
  const label = names.indexOf(spec.label);
  const text = spec.text === undefined ? -1 : names.indexOf(spec.text);
  const keep = keptRows(names, spec);
  const candidates = await numericCandidates(connection, raw, columns, missing);
  const perColumn = names.flatMap((_, i) => [
    candidates[i] ? `coalesce(bool_and(r${i} OR is_plain_number(t${i})) AND bool_or(NOT r${i}), false)` : 'false',
    `count(*) FILTER (WHERE ${keep} AND m${i})`,
  ]);
  const decoded = text < 0 ? '0' : `count(*) FILTER (WHERE NOT r${text} AND d${text} <> v${text})`;
  const sql = `SELECT count(*), count(*) FILTER (WHERE m${label}), count(*) FILTER (WHERE ${keep}), ${decoded},
    ${perColumn.join(', ')} FROM (${cellStates(raw, columns, missing)})`;
  const row = (await queryRows(connection, sql))[0] ?? [];

  const kept = columns.map((c, i) => ({ ...c, type: (row[4 + 2 * i] === true ? 'number' : 'string') as ColumnType }));
  const missingByColumn = Object.fromEntries(names.map((name, i) => [name, Number(row[5 + 2 * i])]));
  const [rowsIn, droppedMissingLabel, rowsOut] = [Number(row[0]), Number(row[1]), Number(row[2])];
  const policy = spec.missing ?? 'keep';
  const flagged = policy === 'flag' ? featureNames(names, spec).filter((f) => missingByColumn[f]! > 0) : [];
  const report: EngineCleanReport = {
    rowsIn,
    rowsOut,
    droppedMissingLabel,
    htmlDecoded: Number(row[3]),
    missingTextFilled: spec.text === undefined ? 0 : (missingByColumn[spec.text] ?? 0),
    missingByColumn,
    droppedMissingFeature: rowsIn - droppedMissingLabel - rowsOut,
    missingPolicy: policy,
    flaggedColumns: flagged.map((f) => f + ISNA_SUFFIX),
    piiRedacted: { email: 0, phone: 0, card: 0 },
    columns: [
      ...kept.map(({ name, type, isText }) => ({ name, type: isText ? 'string' : type })),
      ...flagged.map((f) => ({ name: f + ISNA_SUFFIX, type: 'number' as const })),
    ],
  };
  return { kept, report };
}

/** Rows read first to rule out, cheaply, the columns that are not numeric. */
const SAMPLE_ROWS = 4096;

/**
 * Whether each kept column may be numeric: not the text column (always text), and no present cell
 * among the first {@link SAMPLE_ROWS} rows that is not a plain number. Only these columns have
 * every cell tested in the full pass.
 */
async function numericCandidates(
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
function featureNames(names: readonly string[], spec: EngineCleanSpec): string[] {
  return names.filter((name) => name !== spec.label && name !== spec.text);
}

/** The condition a row must meet to be kept: a label, and under `'drop'` every feature. */
function keptRows(names: readonly string[], spec: EngineCleanSpec): string {
  const conditions = [`NOT m${names.indexOf(spec.label)}`];
  if (spec.missing === 'drop') {
    for (const feature of featureNames(names, spec)) conditions.push(`NOT m${names.indexOf(feature)}`);
  }
  return `(${conditions.join(' AND ')})`;
}

/** What a numeric cell that is not a plain number raises, where the write checks each cell it casts. */
const NOT_NUMERIC = 'distillery: a cell of a column typed numeric is not a plain number';

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
function cleanQuery(
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

/**
 * The one-pass path, taken when the sample types every column: writes the output with those types,
 * each cell of a numeric column checked as it is cast, then takes the report from two light scans
 * (the raw copy's label, entities and dropped rows; the output's missing cells) instead of typing and
 * counting every column first. Returns undefined, having decided nothing, when a cell of a column the
 * sample made numeric is not a plain number (in a kept row or a dropped one) or when such a column
 * has no present cell; and under the 'flag' policy, whose indicator columns depend on the counts.
 */
async function cleanWithSampledTypes(
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
