/**
 * Reads a delimited text file into a {@link Frame}. DuckDB parses (dialect sniffing, quoting,
 * embedded newlines); every cell arrives as text and column types are then inferred in JS over
 * the whole column, so a late non-numeric value can never be silently coerced or dropped.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral, withDuckDb } from './duckdb';
import { assertUtf8, normaliseEncoding, physicalLine } from './encoding';
import { CsvParseError, SchemaError } from './errors';
import { makeFrame, type Cell, type ColumnType, type Frame } from './frame';
import { inferColumn, type IdentifierColumn, type NumberFormat } from './infer';

/** How to read a file. Every field is optional; unset fields are detected by DuckDB's sniffer. */
export interface ReadOptions extends NumberFormat {
  /** Field delimiter, e.g. `','`, `'\t'`, `';'`. Default: sniffed. */
  delimiter?: string;
  /** Whether the first record holds column names. Default: sniffed; set it to override the sniffer. */
  header?: boolean;
  /**
   * Text encoding: `'utf-8'` (default), `'latin-1'` (aliases `latin1`, `iso-8859-1`) or `'utf-16'`.
   * A UTF-8 read of a file that is not valid UTF-8 fails with the line and byte offset of the
   * first bad byte; nothing is ever decoded to U+FFFD.
   */
  encoding?: string;
  /**
   * Extra cell values (compared after trimming) that mean "missing". By default only the empty
   * field is missing, so a literal `NA` (a region code, a name) stays a value.
   */
  missingValues?: readonly string[];
  /** Column names for a header-less file (`header: false`); their count must match the file's. */
  columnNames?: readonly string[];
  /** How errors name the file (e.g. the path the user gave, when reading a stored copy). Default: `path`. */
  sourceName?: string;
}

/** One column as read: its inferred type and how many cells are missing. */
export interface ColumnReport {
  name: string;
  type: ColumnType;
  missing: number;
}

/** What {@link readCsv} read and how; small and JSON-safe, stored in lineage. */
export interface ReadReport {
  rows: number;
  columns: ColumnReport[];
  delimiter: string;
  header: boolean;
  encoding: string;
  missingValues: string[];
  /** Decimal and thousands separators used to parse numbers (`'.'` and none unless given). */
  decimal: string;
  thousands: string | null;
  /** Columns kept as exact text because they identify rows rather than measure anything. */
  identifiers: IdentifierColumn[];
}

/** One record DuckDB rejected. `line` is the physical line (1-based) where the record starts. */
export interface BadLine {
  line: number;
  record: number;
  expected?: number;
  got?: number;
  error: string;
  text: string;
}

interface Dialect {
  delimiter: string;
  header: boolean;
  encoding: string;
}

const MAX_BAD_LINES = 20;
const CANDIDATE_DELIMITERS = [',', '\t', ';', '|'];

/**
 * Reads the delimited file at `path`. Types are inferred over the whole column by
 * {@link inferColumn}: `'number'` when every non-missing cell is a finite number (written with the
 * given decimal and thousands separators), else `'string'`. Identifiers (integers beyond 2^53,
 * zero-padded codes, columns named "id", an unnamed row counter) stay exact `'string'` and are
 * listed in `report.identifiers`. A UTF-8 byte-order mark is dropped (with or without a header);
 * an empty header cell is named `column<position>` (1-based).
 *
 * Throws {@link CsvParseError} for ragged records (every bad line listed with expected and found
 * field counts; nothing is returned), invalid UTF-8 and unreadable files, and {@link SchemaError}
 * for duplicate header names or a `columnNames` of the wrong length. Trailing blank lines are not rows.
 */
export async function readCsv(path: string, options: ReadOptions = {}): Promise<{ frame: Frame; report: ReadReport }> {
  const bytes = await readFile(path);
  const end = blankTailStart(bytes);
  const scratch = end < bytes.length ? await mkdtemp(join(tmpdir(), 'distillery-read-')) : undefined;
  const file = scratch ? join(scratch, 'trimmed.csv') : path;
  try {
    if (scratch) await writeFile(file, bytes.subarray(0, end));
    return await readDelimited(file, options, bytes.subarray(0, end));
  } catch (error) {
    const sourceName = options.sourceName ?? path;
    if (!(error instanceof CsvParseError) || sourceName === file) throw error;
    const message = error.message.split(file).join(sourceName);
    throw new CsvParseError(message, { ...error.details, path: sourceName }, { cause: error });
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Where the file's trailing blank lines begin (just after the last line break that follows real
 * content), or the file's length when no trailing line holds spaces. Lines of only spaces at the
 * end are blank, not records; DuckDB already skips truly empty ones.
 */
function blankTailStart(bytes: Buffer): number {
  let i = bytes.length;
  while (i > 0 && [0x20, 0x0d, 0x0a].includes(bytes[i - 1]!)) i--;
  const lineEnd = bytes.indexOf(0x0a, i);
  if (lineEnd < 0) return bytes.length;
  return bytes.subarray(lineEnd).includes(0x20) ? lineEnd + 1 : bytes.length;
}

async function readDelimited(
  path: string,
  options: ReadOptions,
  bytes: Buffer,
): Promise<{ frame: Frame; report: ReadReport }> {
  const encoding = normaliseEncoding(options.encoding);
  assertSeparators(options);
  if (bytes.length === 0) throw new CsvParseError(`${path} is empty`, { path });
  if (encoding === 'utf-8') assertUtf8(bytes, path);

  const { dialect, columns } = await withDuckDb(async (connection) => {
    const sniffed = await sniffDialect(connection, path, options, encoding, bytes);
    const raw = await readRaw(connection, path, sniffed);
    await assertNoRejects(connection, path, encoding === 'utf-8' ? bytes : undefined);
    return { dialect: sniffed, columns: raw };
  });

  return buildFrame(columns, dialect, options);
}

/** Fails when the number separators collide with each other or with the delimiter. */
function assertSeparators(options: ReadOptions): void {
  const { decimal, thousands, delimiter } = options;
  if (decimal !== undefined && decimal !== '.' && decimal !== ',') {
    throw new SchemaError(`decimal separator must be '.' or ',', got '${decimal}'`, { decimal });
  }
  if (thousands !== undefined && thousands === (decimal ?? '.')) {
    throw new SchemaError(`thousands and decimal separators are both '${thousands}'`, { decimal, thousands });
  }
  if (delimiter !== undefined && (delimiter === decimal || delimiter === thousands)) {
    throw new SchemaError(`the delimiter '${delimiter}' is also a number separator`, { delimiter, decimal, thousands });
  }
}

/** Delimiter and header from the options, else from DuckDB's sniffer. */
async function sniffDialect(
  connection: DuckDBConnection,
  path: string,
  options: ReadOptions,
  encoding: string,
  bytes: Buffer,
): Promise<Dialect> {
  if (options.delimiter !== undefined && options.header !== undefined) {
    return { delimiter: options.delimiter, header: options.header, encoding };
  }
  const sql =
    `SELECT Delimiter AS delimiter, HasHeader AS header, len(Columns) AS width ` +
    `FROM sniff_csv(${quoteLiteral(path)}, encoding=${quoteLiteral(encoding)})`;
  const row = (await runDuckDb(connection, sql, path))[0] ?? [];
  const delimiter = options.delimiter ?? repairDelimiter(String(row[0] ?? ','), Number(row[2] ?? 1), bytes);
  return { delimiter, header: options.header ?? row[1] === true, encoding };
}

/**
 * The sniffer gives up on a ragged file and reports one column under some unused delimiter.
 * Then the candidate delimiter that occurs most often in the first line is taken instead, so the
 * ragged records are found and reported rather than read as one wide text column.
 */
export function repairDelimiter(sniffed: string, width: number, bytes: Buffer): string {
  if (width > 1) return sniffed;
  const end = bytes.indexOf(0x0a);
  const firstLine = bytes.subarray(0, end < 0 ? bytes.length : end).toString('latin1');
  const counts = CANDIDATE_DELIMITERS.map((d) => firstLine.split(d).length - 1);
  const best = counts.indexOf(Math.max(...counts));
  return (counts[best] ?? 0) > 0 ? CANDIDATE_DELIMITERS[best]! : sniffed;
}

/** Every record of the file (header included), column by column; rejected records go to `reject_errors`. */
async function readRaw(connection: DuckDBConnection, path: string, dialect: Dialect): Promise<(string | null)[][]> {
  const sql =
    `SELECT * FROM read_csv(${quoteLiteral(path)}, all_varchar = true, header = false, ` +
    `delim = ${quoteLiteral(dialect.delimiter)}, encoding = ${quoteLiteral(dialect.encoding)}, store_rejects = true)`;
  const columns = await runDuckDb(connection, sql, path, true);
  return columns.map((cells) => cells.map(textCell));
}

function textCell(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Runs `sql`; returns rows, or columns when `byColumn`. DuckDB failures become {@link CsvParseError}. */
async function runDuckDb(
  connection: DuckDBConnection,
  sql: string,
  path: string,
  byColumn = false,
): Promise<unknown[][]> {
  try {
    const reader = await connection.runAndReadAll(sql);
    return byColumn ? reader.getColumns() : reader.getRows();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CsvParseError(`cannot read ${path}: ${reason}`, { path }, { cause: error });
  }
}

/** Fails, listing each bad record, when DuckDB rejected any record of the scan. */
export async function assertNoRejects(connection: DuckDBConnection, path: string, utf8Bytes?: Buffer): Promise<void> {
  const sql = 'SELECT line, line_byte_position, error_type, error_message, csv_line FROM reject_errors ORDER BY line';
  const rejects = await runDuckDb(connection, sql, path);
  if (rejects.length === 0) return;

  const badLines = rejects.map((row) => toBadLine(row, utf8Bytes));
  const listed = badLines.slice(0, MAX_BAD_LINES).map(describeBadLine).join('; ');
  const more = badLines.length > MAX_BAD_LINES ? ` and ${badLines.length - MAX_BAD_LINES} more` : '';
  throw new CsvParseError(`${path} has ${badLines.length} malformed line(s), nothing was read: ${listed}${more}`, {
    path,
    badLines: badLines.slice(0, MAX_BAD_LINES),
    badLineCount: badLines.length,
  });
}

function toBadLine(row: unknown[], utf8Bytes?: Buffer): BadLine {
  const record = Number(row[0]);
  const line = utf8Bytes ? physicalLine(utf8Bytes, Number(row[1])) : record;
  const message = String(row[3] ?? row[2]);
  const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  const badLine: BadLine = { line, record, error: String(row[2]), text: String(row[4] ?? '') };
  if (counts) Object.assign(badLine, { expected: Number(counts[1]), got: Number(counts[2]) });
  return badLine;
}

function describeBadLine(bad: BadLine): string {
  if (bad.expected === undefined) return `line ${bad.line}: ${bad.error}`;
  return `line ${bad.line}: expected ${bad.expected} fields, got ${bad.got}`;
}

/** Header names, missing markers and type inference turn raw records into a frame and its report. */
function buildFrame(
  rawColumns: readonly (string | null)[][],
  dialect: Dialect,
  options: ReadOptions,
): { frame: Frame; report: ReadReport } {
  const first = rawColumns[0];
  if (first && typeof first[0] === 'string') first[0] = first[0].replace(/^\uFEFF/, '');
  const header = rawColumns.map((cells) => (dialect.header ? (cells[0] ?? '').trim() : ''));
  const names = dialect.header ? headerNames(header) : plainNames(rawColumns.length, options.columnNames);
  assertUniqueNames(names);
  const start = dialect.header ? 1 : 0;
  const missing = new Set(options.missingValues ?? []);
  const cells = rawColumns.map((column) => column.slice(start).map((cell) => markMissing(cell, missing)));
  const unnamed = header.map((name) => dialect.header && name === '');
  const { frame, report } = frameFromText(names, cells, options, unnamed);
  return { frame, report: { ...report, ...dialect, missingValues: [...missing] } };
}

/** The part of a {@link ReadReport} that depends on the cells, not on the file's dialect. */
export type CellReport = Pick<ReadReport, 'rows' | 'columns' | 'decimal' | 'thousands' | 'identifiers'>;

/**
 * Builds a frame from text columns (`null` is missing), inferring each column's type over all its
 * cells. `unnamed[c]` tells that column `c` had no header name (a candidate row counter).
 */
export function frameFromText(
  names: readonly string[],
  cells: readonly (string | null)[][],
  format: NumberFormat,
  unnamed: readonly boolean[] = [],
): { frame: Frame; report: CellReport } {
  const types: Record<string, ColumnType> = {};
  const values: Record<string, Cell[]> = {};
  const columns: ColumnReport[] = [];
  const identifiers: IdentifierColumn[] = [];
  names.forEach((name, c) => {
    const parsed = inferColumn(name, cells[c] ?? [], format, unnamed[c] ?? false);
    types[name] = parsed.type;
    values[name] = parsed.cells;
    columns.push({ name, type: parsed.type, missing: parsed.cells.filter((cell) => cell === null).length });
    if (parsed.identifier) identifiers.push({ name, reason: parsed.identifier });
  });

  const frame = makeFrame(names, types, values);
  const numbers = { decimal: format.decimal ?? '.', thousands: format.thousands ?? null };
  return { frame, report: { rows: frame.rowCount, columns, ...numbers, identifiers } };
}

function headerNames(header: readonly string[]): string[] {
  return header.map((name, c) => (name === '' ? `column${c + 1}` : name));
}

/** Names for a header-less file: `columnNames` when given (one per column), else column1, column2, … */
export function plainNames(width: number, columnNames?: readonly string[]): string[] {
  if (!columnNames) return Array.from({ length: width }, (_, c) => `column${c + 1}`);
  if (columnNames.length !== width) {
    throw new SchemaError(`columnNames lists ${columnNames.length} names but the file has ${width} columns`, {
      columnNames: [...columnNames],
      width,
    });
  }
  return [...columnNames];
}

/**
 * Fails when a name occurs more than once, naming each duplicated name with all its 1-based
 * positions (details: the first as `column` and `positions`, every one in `duplicates`).
 */
export function assertUniqueNames(names: readonly string[]): void {
  const duplicates = [...new Set(names)]
    .map((name) => ({ column: name, positions: names.flatMap((other, i) => (other === name ? [i + 1] : [])) }))
    .filter((d) => d.positions.length > 1);
  const first = duplicates[0];
  if (!first) return;
  const listed = duplicates.map((d) => `"${d.column}" at positions ${d.positions.join(' and ')}`).join('; ');
  throw new SchemaError(`duplicate column name ${listed}; rename the columns in the file`, {
    column: first.column,
    positions: first.positions,
    duplicates,
  });
}

/** `null` for an empty field or one of the `missing` markers (compared after trimming), else the cell. */
export function markMissing(cell: string | null, missing: ReadonlySet<string>): string | null {
  if (cell === null || cell === '') return null;
  return missing.size > 0 && missing.has(cell.trim()) ? null : cell;
}
