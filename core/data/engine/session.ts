/**
 * One DuckDB database per engine step, with a memory limit and a spill directory, so that a step
 * works out of core on files larger than memory. The SQL macros every step shares are defined here.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

import { quoteLiteral } from '../duckdb';
import { ENGINE_MACROS, registerEngineFunctions } from './sql';

/** Resource settings of an engine step. Every field has a default; see each one. */
export interface EngineOptions {
  /**
   * DuckDB's `memory_limit` (buffer pool); operators spill to `tempDirectory` beyond it. Default: the
   * step's own, {@link HASHING_MEMORY_LIMIT} for dedupe and {@link STREAMING_MEMORY_LIMIT} for the others.
   */
  memoryLimit?: string;
  /** Where DuckDB spills intermediate data. Default: `distillery-engine` under the OS temp folder. */
  tempDirectory?: string;
  /** Worker threads. Default 2 (the size of the machines this runs on). */
  threads?: number;
}

/**
 * The memory limit of dedupe, whose hash tables hold every distinct row of the file: they spill to
 * disk beyond it, so the step's memory stays near this limit whatever the size of the file.
 */
export const HASHING_MEMORY_LIMIT = '1GB';

/**
 * The memory limit of the steps that stream rows through scans, projections and aggregates over a
 * few groups (clean, standardize, select): their memory does not grow with the file. It is higher
 * than {@link HASHING_MEMORY_LIMIT} because DuckDB's ordered Parquet writer keeps to one thread
 * when its share of the limit cannot hold a batch per thread: under 1 GB it wrote the 60-column
 * standardized file of the scale benchmark on one thread, 1.7 s instead of 0.9 s for 1M rows.
 */
export const STREAMING_MEMORY_LIMIT = '2GB';

/** The defaults of {@link EngineOptions}. */
export const DEFAULT_ENGINE_OPTIONS = {
  memoryLimit: HASHING_MEMORY_LIMIT,
  tempDirectory: path.join(tmpdir(), 'distillery-engine'),
  threads: 2,
} as const;

/** A connection with the engine's macros, and the folder it may write scratch files into. */
export interface EngineSession {
  readonly connection: DuckDBConnection;
  readonly scratchDirectory: string;
}

/**
 * Runs `work` on a fresh DuckDB database configured by `options`, with `memoryLimit` where they set
 * none; the database is closed after, whether `work` succeeds or fails. Insertion order is
 * preserved, so a scan of a file streams its rows in file order and a `COPY` writes them in that order.
 */
export async function withEngine<T>(
  options: EngineOptions,
  memoryLimit: string,
  work: (session: EngineSession) => Promise<T>,
): Promise<T> {
  const settings = { ...DEFAULT_ENGINE_OPTIONS, memoryLimit, ...withoutUndefined(options) };
  await mkdir(settings.tempDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: settings.memoryLimit,
    temp_directory: settings.tempDirectory,
    threads: String(settings.threads),
    preserve_insertion_order: 'true',
  });
  try {
    const connection = await instance.connect();
    try {
      registerEngineFunctions(connection);
      for (const macro of ENGINE_MACROS) await connection.run(macro);
      return await work({ connection, scratchDirectory: settings.tempDirectory });
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

function withoutUndefined(options: EngineOptions): EngineOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** Runs a query and returns its rows as plain JS values (BIGINT as bigint). */
export async function queryRows(
  connection: DuckDBConnection,
  sql: string,
  values?: DuckDBValue[],
): Promise<unknown[][]> {
  const reader = await connection.runAndReadAll(sql, values);
  return reader.getRowsJS();
}

/** `read_parquet` of one file, with its 0-based row numbers when `rowNumbers` is set. */
export function parquetScan(file: string, rowNumbers = false): string {
  return `read_parquet(${quoteLiteral(file)}${rowNumbers ? ', file_row_number = true' : ''})`;
}

/** `COPY (query) TO file` as Parquet: snappy (cheap to write) unless told otherwise. */
export function copyToParquet(query: string, file: string, compression: 'snappy' | 'uncompressed' = 'snappy'): string {
  return copyStatement(query, file, [`COMPRESSION ${compression}`]);
}

function copyStatement(query: string, file: string, options: readonly string[]): string {
  return `COPY (${query}) TO ${quoteLiteral(file)} (${['FORMAT parquet', ...options].join(', ')})`;
}

/** What a `COPY … RETURN_STATS` wrote: its rows, and the NULL cells of each column it has statistics for. */
export interface WrittenParquet {
  rows: number;
  /** NULL cells by column name; a column DuckDB gave no `null_count` for is absent. */
  nullCounts: Map<string, number>;
}

/**
 * Writes `query` to `file` as {@link copyToParquet} does and returns the writer's own statistics,
 * so that the rows and the NULL cells of every column are known without reading the file again.
 */
export async function copyToParquetCounted(
  connection: DuckDBConnection,
  query: string,
  file: string,
  compression: 'snappy' | 'uncompressed' = 'snappy',
): Promise<WrittenParquet> {
  const sql = copyStatement(query, file, [`COMPRESSION ${compression}`, 'RETURN_STATS']);
  const [row] = await queryRows(connection, sql);
  const [, rows, , , statistics] = row ?? [];
  const nullCounts = new Map<string, number>();
  for (const { key, value } of (statistics ?? []) as MapEntry<MapEntry<string>[]>[]) {
    const nulls = value.find((entry) => entry.key === 'null_count');
    if (nulls !== undefined) nullCounts.set(unquoteIdentifier(key), Number(nulls.value));
  }
  return { rows: Number(rows ?? 0), nullCounts };
}

/** One entry of a DuckDB MAP as `getRowsJS` gives it. */
interface MapEntry<V = unknown> {
  key: string;
  value: V;
}

/** The name inside a double-quoted identifier (`"a""b"` is `a"b`), as DuckDB names columns in statistics. */
function unquoteIdentifier(quoted: string): string {
  return quoted.startsWith('"') && quoted.endsWith('"') ? quoted.slice(1, -1).replace(/""/g, '"') : quoted;
}

/** The names and DuckDB types of a Parquet file's columns, in order. */
export async function parquetSchema(
  connection: DuckDBConnection,
  file: string,
): Promise<{ name: string; type: string }[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${parquetScan(file)}`);
  return reader.getRowsJS().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
}

/**
 * Checks that the row groups of a Parquet file the engine wrote hold increasing, non-overlapping
 * ranges of `column` (unique and increasing in the file's rows). DuckDB keeps the rows of a batch in
 * order, so this shows that it also wrote the batches in order. Reads the file's metadata only.
 */
export async function assertRowOrder(connection: DuckDBConnection, file: string, column: string): Promise<void> {
  const ranges = await queryRows(
    connection,
    `SELECT stats_min_value::DOUBLE, stats_max_value::DOUBLE FROM parquet_metadata(${quoteLiteral(file)})
     WHERE path_in_schema = ${quoteLiteral(column)} ORDER BY row_group_id`,
  );
  let previous = -Infinity;
  for (const [min, max] of ranges) {
    if (min === null || max === null) continue;
    if (Number(min) <= previous) throw new Error(`${file}: rows out of ${column} order after ${previous}`);
    previous = Number(max);
  }
}
