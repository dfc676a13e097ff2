/**
 * The clean step out of core: a delimited file in, a Parquet file out, with the semantics of the
 * in-memory `cleanFrame` over `readCsv`'s output (same rows, same cells, same types, same report).
 */
import { randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';

import { InvalidConfigError } from '../../../common/errors';
import { ISNA_SUFFIX } from '../clean';
import { quoteLiteral } from '../duckdb';
import { normaliseEncoding } from '../encoding';
import { CsvParseError, SchemaError } from '../errors';
import type { ColumnType } from '../frame';
import { assertNoRejects, assertUniqueNames, plainNames, repairDelimiter, type ReadOptions } from '../read';
import {
  cellStates,
  cleanQuery,
  featureNames,
  keptRows,
  numericCandidates,
  type EngineCleanReport,
  type EngineCleanSpec,
  type KeptColumn,
} from './clean-cells';
import { cleanWithSampledTypes } from './clean-one-pass';
import {
  copyToParquet,
  copyToParquetCounted,
  queryRows,
  withEngine,
  STREAMING_MEMORY_LIMIT,
  type EngineOptions,
} from './session';

export type { EngineCleanReport, EngineCleanSpec } from './clean-cells';

/** Reading options the engine honours (as {@link ReadOptions}). */
export type EngineReadOptions = Pick<
  ReadOptions,
  'delimiter' | 'header' | 'encoding' | 'missingValues' | 'columnNames'
>;

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
  /** The header's names as DuckDB's sniffer read them, when they are certainly the cells as written. */
  sniffedNames?: string[];
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
      const { names, rows } = await copyRaw(connection, input.csvPath, input.read ?? {}, raw);
      const keptNames = keptColumns(names, input.spec);
      const missing = input.read?.missingValues ?? [];
      const typedFromSample = await cleanWithSampledTypes(
        connection,
        { path: raw, rows },
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

/** Writes every record of the file as VARCHAR columns to `raw`; returns the column names and the records. */
async function copyRaw(
  connection: DuckDBConnection,
  file: string,
  read: EngineReadOptions,
  raw: string,
): Promise<{ names: string[]; rows: number }> {
  const dialect = await sniffDialect(connection, file, read);
  const names = dialect.sniffedNames ?? (await namesFromFirstRecord(connection, file, dialect, read));
  assertUniqueNames(names);
  assertUniqueIgnoringCase(names);
  const scan = csvScan(file, dialect, names);
  const written = await readingFile(file, () =>
    copyToParquetCounted(connection, `SELECT * FROM ${scan}`, raw, 'uncompressed'),
  );
  await assertNoRejects(connection, file);
  return { names, rows: written.rows };
}

/**
 * DuckDB's column names are case-insensitive, so the engine cannot hold `x` and `X` apart (the
 * in-memory core can): fails with {@link SchemaError} naming each such group.
 */
function assertUniqueIgnoringCase(names: readonly string[]): void {
  const byKey = new Map<string, string[]>();
  for (const name of names) byKey.set(name.toLowerCase(), [...(byKey.get(name.toLowerCase()) ?? []), name]);
  const clashes = [...byKey.values()].filter((group) => group.length > 1);
  if (clashes.length === 0) return;
  const listed = clashes.map((group) => group.map((n) => `"${n}"`).join(' and ')).join('; ');
  throw new SchemaError(
    `column names ${listed} differ only in case, which the out-of-core engine cannot tell apart; rename them`,
    { clashes },
  );
}

/** The column names: the header's cells, or `column1`… (or `read.columnNames`) for a file without one. */
async function namesFromFirstRecord(
  connection: DuckDBConnection,
  file: string,
  dialect: Dialect,
  read: EngineReadOptions,
): Promise<string[]> {
  const first = await duck(connection, file, `SELECT * FROM ${csvScan(file, { ...dialect, header: false })} LIMIT 1`);
  const cells = (first[0] ?? []).map((cell) => (cell === null || cell === undefined ? null : String(cell)));
  return dialect.header ? headerNames(cells) : plainNames(cells.length, read.columnNames);
}

/**
 * `read_csv` of the file, every cell as VARCHAR. Malformed records are set aside in `reject_errors`
 * rather than failing the scan (or the sniffer), so that all of them can be listed, as the core
 * lists them; {@link copyRaw} fails on any before anything is cleaned.
 */
function csvScan(file: string, dialect: Dialect, names?: readonly string[]): string {
  const named = names ? `, names = [${names.map(quoteLiteral).join(', ')}]` : '';
  return (
    `read_csv(${quoteLiteral(file)}, all_varchar = true, header = ${dialect.header}, ` +
    `delim = ${quoteLiteral(dialect.delimiter)}, encoding = ${quoteLiteral(dialect.encoding)}${named}, ` +
    'store_rejects = true)'
  );
}

async function sniffDialect(connection: DuckDBConnection, file: string, read: EngineReadOptions): Promise<Dialect> {
  const encoding = normaliseEncoding(read.encoding);
  if (read.delimiter !== undefined && read.header !== undefined) {
    return { delimiter: read.delimiter, header: read.header, encoding };
  }
  const sql =
    `SELECT Delimiter, HasHeader, Columns FROM sniff_csv(${quoteLiteral(file)}, ` +
    `encoding = ${quoteLiteral(encoding)}, sample_size = 20480)`;
  const [delimiter, hasHeader, columns] = (await duck(connection, file, sql))[0] ?? [];
  const width = Array.isArray(columns) ? columns.length : 1;
  const header = read.header ?? hasHeader === true;
  if (read.delimiter === undefined && width <= 1) {
    // The sniffer gave up (a ragged file reads as one column): take the core's repaired guess, so that
    // the bad records are reported rather than the file read as one wide column.
    const repaired = repairDelimiter(String(delimiter ?? ','), width, await firstBytes(file));
    return { delimiter: repaired, header, encoding };
  }
  const sniffed = header && hasHeader === true && read.delimiter === undefined ? asWritten(columns) : undefined;
  return { delimiter: read.delimiter ?? String(delimiter ?? ','), header, encoding, sniffedNames: sniffed };
}

/** The first bytes of a file, enough to hold its first line. */
async function firstBytes(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(FIRST_BYTES), 0, FIRST_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const FIRST_BYTES = 64 * 1024;

/**
 * The sniffer's header names when they are the header's cells as the core reads them (trimmed):
 * printable ASCII without surrounding spaces, none that the sniffer may have made up (`column3`
 * for an empty cell, `b_1` for a second `b`, compared without case). Otherwise undefined, and the
 * first record is read as it is.
 */
function asWritten(columns: unknown): string[] | undefined {
  if (!Array.isArray(columns)) return undefined;
  const names = columns.map((column: { name?: unknown }) => String(column.name));
  const plain = (name: string): boolean => SNIFFED_AS_WRITTEN.test(name) && !MAYBE_MADE_UP.test(name);
  return names.every(plain) ? names : undefined;
}

/** Printable ASCII, neither starting nor ending with a space. */
const SNIFFED_AS_WRITTEN = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

/** The names DuckDB gives an empty header cell or a repeated name. */
const MAYBE_MADE_UP = /^column\d+$|_\d+$/;

/** Runs a query over the user's file; DuckDB failures become {@link CsvParseError} naming it. */
async function duck(connection: DuckDBConnection, file: string, sql: string): Promise<unknown[][]> {
  return readingFile(file, () => queryRows(connection, sql));
}

/** Runs `work`, which reads the user's file; DuckDB failures become {@link CsvParseError} naming it. */
async function readingFile<T>(file: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const reason = duckDbReason(String((error as { message?: unknown } | null)?.message ?? error));
    throw new CsvParseError(`cannot read ${file}: ${reason}`, { path: file }, { cause: error });
  }
}

/**
 * The first line of a DuckDB error and the line after it that says what is wrong (as `Invalid
 * unicode … This file is not utf-8 encoded.`), without the echoed record, the suggestions and the
 * dialect DuckDB lists.
 */
function duckDbReason(message: string): string {
  const [first = '', ...rest] = message.split('\n');
  const noise = /^(Original Line|Possible Solution|LINE \d|\s)/;
  const detail = rest.find((line) => line.trim() !== '' && !noise.test(line) && !line.includes('^'));
  return detail === undefined ? first : `${first}: ${detail}`;
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
