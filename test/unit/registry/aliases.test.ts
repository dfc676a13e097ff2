import type { Registry } from '../../../registry/db';
import { registerModelVersion, resolveAlias, setAlias } from '../../../registry/repository';
import { createTestDatabase, DRIVERS, queryRows, registerInput } from './helpers';
import type { TestDatabase } from './helpers';

interface HistoryRow {
  from_version: number | null;
  to_version: number;
  actor: string;
}

const HISTORY = `
  select f.version as from_version, t.version as to_version, h.actor
  from alias_history h
  join models m on m.id = h.model_id
  join model_versions t on t.id = h.to_version_id
  left join model_versions f on f.id = h.from_version_id
  where m.name = 'promoted' and h.alias = 'production'
  order by h.id`;

const HOLDERS = `
  select v.version from model_aliases a
  join models m on m.id = a.model_id join model_versions v on v.id = a.version_id
  where m.name = 'promoted' and a.alias = 'production'`;

describe.each(DRIVERS)('setAlias (%s)', (driver) => {
  let database: TestDatabase;
  let registry: Registry;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    registry = await database.open();
    await registerModelVersion(registry, registerInput('promoted', 'p1'));
    await registerModelVersion(registry, registerInput('promoted', 'p2'));
  });

  afterAll(async () => {
    await registry.close();
    await database.destroy();
  });

  it('moves production from v1 to v2 leaving exactly one holder and two history rows', async () => {
    const first = await setAlias(registry, 'promoted', 'production', 1, 'alice');
    const second = await setAlias(registry, 'promoted', 'production', 2, 'bob');

    expect(first).toEqual({
      modelName: 'promoted',
      alias: 'production',
      version: 1,
      previousVersion: null,
      changed: true,
    });
    expect(second).toEqual({
      modelName: 'promoted',
      alias: 'production',
      version: 2,
      previousVersion: 1,
      changed: true,
    });
    expect(await queryRows(registry, HOLDERS)).toEqual([{ version: 2 }]);
    expect(await queryRows<HistoryRow>(registry, HISTORY)).toEqual([
      { from_version: null, to_version: 1, actor: 'alice' },
      { from_version: 1, to_version: 2, actor: 'bob' },
    ]);
    expect(await resolveAlias(registry, 'promoted', 'production')).toBe(2);
  });

  it('writes nothing when the alias already names the version', async () => {
    const again = await setAlias(registry, 'promoted', 'production', 2, 'carol');

    expect(again.changed).toBe(false);
    expect(await queryRows(registry, HISTORY)).toHaveLength(2);
  });

  it('refuses an unknown version, an unknown model and a malformed alias', async () => {
    await expect(setAlias(registry, 'promoted', 'production', 9, 'x')).rejects.toMatchObject({
      details: { reason: 'not found', version: 9 },
    });
    await expect(setAlias(registry, 'ghost', 'production', 1, 'x')).rejects.toMatchObject({
      details: { reason: 'not found', modelName: 'ghost' },
    });
    await expect(setAlias(registry, 'promoted', 'Prod uction', 1, 'x')).rejects.toMatchObject({
      details: { reason: 'invalid input', field: 'alias' },
    });
    expect(await resolveAlias(registry, 'promoted', 'production')).toBe(2);
  });

  it('returns null for an alias that was never set', async () => {
    expect(await resolveAlias(registry, 'promoted', 'staging')).toBeNull();
  });
});

describe('setAlias under concurrency (postgres)', () => {
  const itPostgres = DRIVERS.includes('postgres') ? it : it.skip;

  itPostgres('keeps one holder and a consistent history when moves race', async () => {
    const database = await createTestDatabase('postgres');
    const registry = await database.open();
    try {
      for (const key of ['q1', 'q2', 'q3']) await registerModelVersion(registry, registerInput('promoted', key));

      await Promise.all([1, 2, 3, 1, 2, 3].map((v, i) => setAlias(registry, 'promoted', 'production', v, `actor${i}`)));

      const holders = await queryRows<{ version: number }>(registry, HOLDERS);
      const history = await queryRows<HistoryRow>(registry, HISTORY);
      expect(holders).toHaveLength(1);
      expect(history.at(-1)?.to_version).toBe(holders[0]?.version);
      history.slice(1).forEach((row, i) => expect(row.from_version).toBe(history[i]?.to_version));
    } finally {
      await registry.close();
      await database.destroy();
    }
  });
});
