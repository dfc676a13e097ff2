/**
 * Reads any supported data file into a {@link Frame}: delimited text (CSV, TSV, …), Parquet and
 * JSON Lines, each optionally gzip-compressed. Every format goes through the same whole-column
 * type inference ({@link frameFromText}), so identifiers and huge integers stay exact everywhere.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { quoteIdentifier, quoteLiteral, withDuckDb } from './duckdb';
import { CsvParseError } from './errors';
import type { Frame } from './frame';
import { assertUniqueNames, frameFromText, markMissing, readCsv, type ReadOptions, type ReadReport } from './read';

/** File formats Distillery reads. */
export const DATA_FORMATS = ['csv', 'parquet', 'jsonl'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** {@link ReadOptions} plus the format; unset, the format is detected from the bytes and the name. */
export interface TableReadOptions extends ReadOptions {
  format?: DataFormat;
}

/** A {@link ReadReport} naming the format and whether the file was gzip-compressed. */
export interface TableReadReport extends ReadReport {
  format: DataFormat;
  gzip: boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const PARQUET_MAGIC = 'PAR1';

/**
 * Reads the file at `path`. A gzip-compressed file (detected by its magic bytes) is decompressed
 * first. The format is `options.format`, else Parquet when the file starts with `PAR1`, JSON Lines
 * when the name ends in `.jsonl`, `.ndjson` or `.json` (before any `.gz`), else delimited text.
 * Delimiter, header, encoding and `columnNames` apply to delimited text only; missing markers and
 * number separators apply to every format. Nested JSON values are kept as their JSON text.
 *
 * Throws what {@link readCsv} throws, and {@link CsvParseError} when a Parquet or JSON Lines file
 * cannot be parsed.
 */
export async function readTable(
  file: string,
  options: TableReadOptions = {},
): Promise<{ frame: Frame; report: TableReadReport }> {
  const gzip = await startsWith(file, GZIP_MAGIC);
  const scratch = gzip ? await mkdtemp(path.join(tmpdir(), 'distillery-gunzip-')) : undefined;
  try {
    const plain = scratch ? await gunzip(file, scratch) : file;
    const format = options.format ?? (await detectFormat(plain, file));
    const result =
      format === 'csv'
        ? await readCsv(plain, { sourceName: file, ...options })
        : await readColumnar(plain, format, options, file);
    return { frame: result.frame, report: { ...result.report, format, gzip } };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

async function startsWith(file: string, magic: readonly number[]): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(magic.length);
    const { bytesRead } = await handle.read(head, 0, magic.length, 0);
    return bytesRead === magic.length && magic.every((byte, i) => head[i] === byte);
  } finally {
    await handle.close();
  }
}

async function gunzip(file: string, scratch: string): Promise<string> {
  const target = path.join(scratch, path.basename(file).replace(/\.gz$/i, ''));
  try {
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(target));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CsvParseError(`${file} is not a valid gzip file: ${reason}`, { path: file }, { cause: error });
  }
  return target;
}

async function detectFormat(plain: string, original: string): Promise<DataFormat> {
  if (await startsWith(plain, [...Buffer.from(PARQUET_MAGIC)])) return 'parquet';
  const name = original.toLowerCase().replace(/\.gz$/, '');
  return /\.(jsonl|ndjson|json)$/.test(name) ? 'jsonl' : 'csv';
}

/** Parquet or JSON Lines through DuckDB: every column cast to text, then typed like CSV cells. */
async function readColumnar(
  file: string,
  format: Exclude<DataFormat, 'csv'>,
  options: ReadOptions,
  sourceName: string,
): Promise<{ frame: Frame; report: ReadReport }> {
  const source =
    format === 'parquet'
      ? `read_parquet(${quoteLiteral(file)})`
      : `read_json(${quoteLiteral(file)}, format = 'newline_delimited', sample_size = -1)`;
  const { names, columns } = await withDuckDb(async (connection) => {
    try {
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      const names = described.getRows().map((row) => String(row[0]));
      const casts = names.map((name) => `CAST(${quoteIdentifier(name)} AS VARCHAR)`).join(', ');
      const reader = await connection.runAndReadAll(`SELECT ${casts} FROM ${source}`);
      return { names, columns: reader.getColumns() };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new CsvParseError(`cannot read ${sourceName} as ${format}: ${reason}`, { path: sourceName, format });
    }
  });

  assertUniqueNames(names);
  const missing = new Set(options.missingValues ?? []);
  const text = (cell: unknown): string | null => markMissing(cell === null ? null : String(cell), missing);
  const cells = columns.map((column) => column.map(text));
  const { frame, report } = frameFromText(names, cells, options);
  const dialect = { delimiter: '', header: true, encoding: 'utf-8', missingValues: [...missing] };
  return { frame, report: { ...report, ...dialect } };
}
