/**
 * The clean step out of core: a delimited file in, a Parquet file out, with the semantics of the
 * in-memory `cleanFrame` over `readCsv`'s output (same rows, same cells, same types, same report).
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';

import { ROW_ID_COLUMN } from '../../../common/constants';
import type { CleanReport, CleanSpec } from '../clean';
import { quoteLiteral } from '../duckdb';
import { CsvParseError, SchemaError } from '../errors';
import type { ColumnType } from '../frame';
import type { ReadOptions } from '../read';
import { copyToParquet, parquetScan, queryRows, withEngine, type EngineOptions } from './session';
import { col, inList } from './sql';

/** Which columns to keep; `features` defaults to every column except the label and the text. */
export type EngineCleanSpec = Omit<CleanSpec, 'features'> & { features?: string[] };

/** Reading options the engine honours (as {@link ReadOptions}). */
export type EngineReadOptions = Pick<
  ReadOptions,
  'delimiter' | 'header' | 'encoding' | 'missingValues' | 'columnNames'
>;

/** {@link CleanReport} plus the inferred type of every kept column, in output order. */
export interface EngineCleanReport extends CleanReport {
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
 * entities decoded once, rows without a label are dropped and a missing text becomes `''`.
 *
 * The file is converted once to an untyped Parquet copy in the engine's temp folder, then typed,
 * counted and cleaned from it, so the text is parsed only once. Throws {@link CsvParseError} when
 * DuckDB cannot parse the file (ragged rows, invalid UTF-8) and {@link SchemaError} for duplicate
 * header names or spec columns the file lacks.
 */
export async function cleanCsv(input: CleanCsvInput): Promise<EngineCleanReport> {
  return withEngine(input.engine ?? {}, async ({ connection, scratchDirectory }) => {
    const raw = path.join(scratchDirectory, `raw-${randomUUID()}.parquet`);
    try {
      const names = await copyRaw(connection, input.csvPath, input.read ?? {}, raw);
      const keptNames = keptColumns(names, input.spec);
      const missing = input.read?.missingValues ?? [];
      const { kept, report } = await inferAndCount(connection, raw, keptNames, input.spec, missing);
      await connection.run(copyToParquet(cleanQuery(raw, kept, input.spec.label, missing), input.outputPath));
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
  await duck(connection, file, copyToParquet(`SELECT * FROM ${scan}`, raw));
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

function plainNames(width: number, columnNames?: readonly string[]): string[] {
  if (!columnNames) return Array.from({ length: width }, (_, c) => `column${c + 1}`);
  if (columnNames.length !== width) {
    throw new SchemaError(`columnNames lists ${columnNames.length} names but the file has ${width} columns`, {
      columnNames: [...columnNames],
      width,
    });
  }
  return [...columnNames];
}

function assertUniqueNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (!seen.has(name)) {
      seen.add(name);
      continue;
    }
    const positions = names.flatMap((other, i) => (other === name ? [i + 1] : []));
    throw new SchemaError(
      `duplicate column name "${name}" at positions ${positions.join(' and ')}; rename the columns in the file`,
      { column: name, positions },
    );
  }
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

/** The cell as read: NULL for an empty field or a missing-value marker. */
function readCell(name: string, missing: readonly string[]): string {
  return `CASE WHEN ${inList(`js_trim(${col(name)})`, missing)} THEN NULL ELSE ${col(name)} END`;
}

/** Whether the cleaned cell is missing (for the text column, after entity decoding). */
function missingAfterClean(name: string, isText: boolean, missing: readonly string[]): string {
  const cell = readCell(name, missing);
  const value = isText ? `html_decode(${cell})` : cell;
  return `(${cell} IS NULL OR js_trim(${value}) = '')`;
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
  const labelMissing = missingAfterClean(spec.label, spec.label === spec.text, missing);
  const perColumn = names.flatMap((name) => {
    const cell = readCell(name, missing);
    return [
      `bool_and(${cell} IS NULL OR is_plain_number(js_trim(${cell}))) AND count(${cell}) > 0`,
      `count(*) FILTER (WHERE NOT ${labelMissing} AND ${missingAfterClean(name, name === spec.text, missing)})`,
    ];
  });
  const text = spec.text === undefined ? undefined : readCell(spec.text, missing);
  const decoded = text === undefined ? '0' : `count(*) FILTER (WHERE html_decode(${text}) <> ${text})`;
  const sql = `SELECT count(*), count(*) FILTER (WHERE ${labelMissing}), ${decoded}, ${perColumn.join(', ')}
    FROM ${parquetScan(raw)}`;
  const row = (await queryRows(connection, sql))[0] ?? [];

  const kept = names.map((name, i) => ({
    name,
    type: (row[3 + 2 * i] === true ? 'number' : 'string') as ColumnType,
    isText: name === spec.text,
  }));
  const missingByColumn = Object.fromEntries(names.map((name, i) => [name, Number(row[4 + 2 * i])]));
  const rowsIn = Number(row[0]);
  const dropped = Number(row[1]);
  const report: EngineCleanReport = {
    rowsIn,
    rowsOut: rowsIn - dropped,
    droppedMissingLabel: dropped,
    htmlDecoded: Number(row[2]),
    missingTextFilled: spec.text === undefined ? 0 : (missingByColumn[spec.text] ?? 0),
    missingByColumn,
    columns: kept.map(({ name, type }) => ({ name, type: name === spec.text ? 'string' : type })),
  };
  return { kept, report };
}

/** The cleaned value of one column, as `cleanFrame` computes it. */
function cleanedColumn(column: KeptColumn, missing: readonly string[]): string {
  const cell = readCell(column.name, missing);
  const isMissing = missingAfterClean(column.name, column.isText, missing);
  if (column.isText) return `CASE WHEN ${isMissing} THEN '' ELSE nfc_normalize(html_decode(${cell})) END`;
  if (column.type === 'number') return `CAST(js_trim(${cell}) AS DOUBLE)`;
  return `CASE WHEN ${isMissing} THEN NULL ELSE nfc_normalize(js_trim(${cell})) END`;
}

function cleanQuery(raw: string, kept: readonly KeptColumn[], label: string, missing: readonly string[]): string {
  const labelColumn = kept.find((c) => c.name === label)!;
  const columns = kept.map((c) => `${cleanedColumn(c, missing)} AS ${col(c.name)}`);
  return `SELECT ${columns.join(', ')}, CAST(file_row_number AS DOUBLE) AS ${col(ROW_ID_COLUMN)}
    FROM ${parquetScan(raw, true)} WHERE NOT ${missingAfterClean(label, labelColumn.isText, missing)}`;
}
