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
  /** DuckDB's `memory_limit` (buffer pool); operators spill to `tempDirectory` beyond it. Default `'1GB'`. */
  memoryLimit?: string;
  /** Where DuckDB spills intermediate data. Default: `distillery-engine` under the OS temp folder. */
  tempDirectory?: string;
  /** Worker threads. Default 2 (the size of the machines this runs on). */
  threads?: number;
}

/** The defaults of {@link EngineOptions}. */
export const DEFAULT_ENGINE_OPTIONS = {
  memoryLimit: '1GB',
  tempDirectory: path.join(tmpdir(), 'distillery-engine'),
  threads: 2,
} as const;

/** A connection with the engine's macros, and the folder it may write scratch files into. */
export interface EngineSession {
  readonly connection: DuckDBConnection;
  readonly scratchDirectory: string;
}

/**
 * Runs `work` on a fresh DuckDB database configured by `options`; the database is closed after,
 * whether `work` succeeds or fails. Insertion order is preserved, so a scan of a file streams its
 * rows in file order and a `COPY` writes them in that order.
 */
export async function withEngine<T>(options: EngineOptions, work: (session: EngineSession) => Promise<T>): Promise<T> {
  const settings = { ...DEFAULT_ENGINE_OPTIONS, ...options };
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
  return `COPY (${query}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION ${compression})`;
}

/** The names and DuckDB types of a Parquet file's columns, in order. */
export async function parquetSchema(
  connection: DuckDBConnection,
  file: string,
): Promise<{ name: string; type: string }[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${parquetScan(file)}`);
  return reader.getRowsJS().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
}
