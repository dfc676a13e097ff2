/**
 * Opens the registry database: PostgreSQL through node-postgres when a URL is given, otherwise an
 * embedded PGlite database on disk. Both go through the same drizzle-orm code path, and both
 * apply the generated migrations from `migrations/` when opened.
 */
import fs from 'node:fs';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { Pool } from 'pg';

import { RegistryError } from './errors';

/** The drizzle database both drivers share: only the `PgDatabase` surface is used. */
export type RegistryDatabase = PgDatabase<PgQueryResultHKT>;
/** A transaction on a {@link RegistryDatabase}. */
export type RegistryTransaction = Parameters<Parameters<RegistryDatabase['transaction']>[0]>[0];
/** Either a database or a transaction: what query helpers accept. */
export type RegistryExecutor = RegistryDatabase | RegistryTransaction;

/** Which driver a {@link Registry} runs on. */
export type RegistryDriver = 'pglite' | 'postgres';

/** Where the registry lives. */
export interface OpenRegistryOptions {
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  readonly databaseUrl?: string;
  /** Distillery's data directory; the embedded database is stored in `${dataDir}/registry`. */
  readonly dataDir: string;
}

/** An open registry. Call `close()` when done; the embedded database holds its files open. */
export interface Registry {
  readonly db: RegistryDatabase;
  readonly driver: RegistryDriver;
  close(): Promise<void>;
}

/**
 * Key of the session-level advisory lock held while migrating PostgreSQL, so that two processes
 * starting at once apply the migrations one after the other (the second finds nothing to do).
 */
export const MIGRATION_LOCK_KEY = 0x4469_7374;

/**
 * Opens the registry and applies pending migrations.
 * Note that the embedded PGlite database is single-process and single-connection: transactions
 * run one at a time. Use PostgreSQL (`databaseUrl`) when several workers register concurrently.
 * @throws RegistryError (reason 'migration failed') when the migrations cannot be found or applied.
 */
export async function openRegistry(options: OpenRegistryOptions): Promise<Registry> {
  const migrationsFolder = findMigrationsFolder();
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, migrationsFolder)
    : openPglite(path.join(options.dataDir, 'registry'), migrationsFolder);
}

/**
 * Locates the generated migrations: beside the sources (`registry/../migrations`, ts-jest and tsx)
 * or beside a compiled build (`dist/registry/../../migrations`).
 */
export function findMigrationsFolder(): string {
  const candidates = [path.resolve(__dirname, '..', 'migrations'), path.resolve(__dirname, '..', '..', 'migrations')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'meta', '_journal.json')));
  if (!found) {
    throw new RegistryError(`registry migrations not found; looked in ${candidates.join(' and ')}`, {
      reason: 'migration failed',
      candidates,
    });
  }
  return found;
}

async function openPostgres(databaseUrl: string, migrationsFolder: string): Promise<Registry> {
  const pool = new Pool({ connectionString: databaseUrl });
  // A connection dropped by the server must not crash the process, whether it is idle in the pool
  // or checked out between two statements of a transaction; the query that uses it reports it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await migratePostgres(pool, migrationsFolder);
  } catch (error) {
    await pool.end();
    throw migrationError(error);
  }
  const db: RegistryDatabase = drizzleNodePg(pool);
  return { db, driver: 'postgres', close: () => pool.end() };
}

async function migratePostgres(pool: Pool, migrationsFolder: string): Promise<void> {
  // One dedicated connection holds the advisory lock and runs the migrator's transaction.
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrateNodePg(drizzleNodePg(client), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function openPglite(directory: string, migrationsFolder: string): Promise<Registry> {
  fs.mkdirSync(directory, { recursive: true });
  const client = await PGlite.create(directory);
  const pglite = drizzlePglite(client);
  try {
    await migratePglite(pglite, { migrationsFolder });
  } catch (error) {
    await client.close();
    throw migrationError(error);
  }
  const db: RegistryDatabase = pglite;
  return { db, driver: 'pglite', close: () => client.close() };
}

function migrationError(error: unknown): RegistryError {
  if (error instanceof RegistryError) return error;
  // drizzle's query errors name the statement; the driver's reason is in their cause.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = (error instanceof Error ? error.message : String(error)) + cause;
  return new RegistryError(`registry migrations failed: ${message}`, { reason: 'migration failed' }, { cause: error });
}
