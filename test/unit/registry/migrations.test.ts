import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { findMigrationsFolder } from '../../../registry/db';
import { registerModelVersion } from '../../../registry/repository';
import { countRows, createTestDatabase, DRIVERS, queryRows, registerInput } from './helpers';
import type { TestDatabase } from './helpers';

/** Migrations in the drizzle-kit journal: each is applied exactly once. */
const MIGRATIONS = (
  JSON.parse(readFileSync(join(findMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
).entries.length;

const TABLES = [
  'alias_history',
  'api_keys',
  'artifacts',
  'audit_log',
  'datasets',
  'lineage_events',
  'model_aliases',
  'model_versions',
  'models',
  'runs',
  'step_executions',
];

describe.each(DRIVERS)('registry migrations (%s)', (driver) => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase(driver);
  });

  afterEach(async () => {
    await database.destroy();
  });

  it('creates every registry table on an empty database', async () => {
    const registry = await database.open();
    try {
      expect(registry.driver).toBe(driver);
      const rows = await queryRows<{ table_name: string }>(
        registry,
        `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
      expect(rows.map((r) => r.table_name)).toEqual(TABLES);
    } finally {
      await registry.close();
    }
  });

  it('is re-runnable: reopening applies nothing twice and keeps the data', async () => {
    const first = await database.open();
    await registerModelVersion(first, registerInput('reopen', 'r1'));
    await first.close();

    const second = await database.open();
    try {
      expect(await countRows(second, 'drizzle.__drizzle_migrations')).toBe(MIGRATIONS);
      expect(await countRows(second, 'model_versions')).toBe(1);
    } finally {
      await second.close();
    }
  });
});

describe('registry migrations on PostgreSQL under concurrency', () => {
  const itPostgres = DRIVERS.includes('postgres') ? it : it.skip;

  itPostgres('lets three connections migrate an empty database at once, applying each migration once', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const registries = await Promise.all([database.open(), database.open(), database.open()]);
      expect(await countRows(registries[0]!, 'drizzle.__drizzle_migrations')).toBe(MIGRATIONS);
      await Promise.all(registries.map((r) => r.close()));
    } finally {
      await database.destroy();
    }
  });
});

describe('findMigrationsFolder', () => {
  it('finds the generated journal beside the sources', () => {
    expect(findMigrationsFolder()).toMatch(/migrations$/);
  });
});
