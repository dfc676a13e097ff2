/** Frames as Parquet artifacts: every data step's output is one, with its schema. */
import { randomUUID } from 'node:crypto';

import type { ArtifactKind } from '../common/constants';
import type { ArtifactRef } from '../common/contracts';
import { quoteIdentifier, quoteLiteral, withDuckDb } from '../core/data/duckdb';
import { makeFrame, type Cell, type ColumnType, type Frame } from '../core/data/frame';
import type { ArtifactStore } from './store';

/** Writes `frame` as a Parquet file into the store. Column order and types are preserved. */
export async function writeFrame(store: ArtifactStore, kind: ArtifactKind, frame: Frame): Promise<ArtifactRef> {
  const path = await store.tempPath('parquet');
  const table = `frame_${randomUUID().replace(/-/g, '')}`;
  await withDuckDb(async (db) => {
    const columns = frame.columns.map((c) => `${quoteIdentifier(c)} ${sqlType(frame.types[c]!)}`);
    await db.run(`CREATE TEMP TABLE ${table} (${columns.join(', ')})`);
    try {
      const appender = await db.createAppender(table, 'main', 'temp');
      for (let row = 0; row < frame.rowCount; row++) {
        for (const name of frame.columns) appendCell(appender, frame.types[name]!, frame.values[name]![row] ?? null);
        appender.endRow();
      }
      appender.closeSync();
      await db.run(`COPY ${table} TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd)`);
    } finally {
      await db.run(`DROP TABLE IF EXISTS ${table}`);
    }
  });
  return store.putFile(kind, path, 'parquet');
}

/** Reads a Parquet artifact back into a frame, after verifying its SHA-256. */
export async function readFrame(store: ArtifactStore, ref: ArtifactRef): Promise<Frame> {
  const path = await store.localPath(ref);
  return withDuckDb(async (db) => {
    const result = await db.runAndReadAll(`SELECT * FROM read_parquet(${quoteLiteral(path)})`);
    const names = result.columnNames();
    const types: Record<string, ColumnType> = {};
    result.columnTypes().forEach((t, i) => (types[names[i]!] = t.toString() === 'DOUBLE' ? 'number' : 'string'));
    const columns = result.getColumnsJS();
    const values: Record<string, Cell[]> = {};
    names.forEach((name, i) => (values[name] = (columns[i] ?? []) as Cell[]));
    return makeFrame(names, types, values);
  });
}

function sqlType(type: ColumnType): string {
  return type === 'number' ? 'DOUBLE' : 'VARCHAR';
}

function appendCell(
  appender: { appendNull(): void; appendDouble(v: number): void; appendVarchar(v: string): void },
  type: ColumnType,
  cell: Cell,
): void {
  if (cell === null || (typeof cell === 'number' && Number.isNaN(cell))) appender.appendNull();
  else if (type === 'number') appender.appendDouble(Number(cell));
  else appender.appendVarchar(String(cell));
}
