/** Auto-promotion in the registry: the gate, the metric comparison, and the alias history. */
import type { Registry } from '../../../registry/db';
import { promoteIfBetter, registerModelVersion, setAlias } from '../../../registry/repository';
import { listAliasHistory } from '../../../registry/versions';
import { createTestDatabase, registerInput, type TestDatabase } from '../registry/helpers';

describe('promoteIfBetter', () => {
  let database: TestDatabase;
  let registry: Registry;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    registry = await database.open();
    const versions: [string, number, boolean][] = [
      ['p1', 0.8, true],
      ['p2', 0.9, true],
      ['p3', 0.85, true],
      ['p4', 0.99, false],
    ];
    for (const [key, macroF1, passed] of versions) {
      const input = registerInput('churn', key);
      await registerModelVersion(registry, { ...input, metrics: { macroF1 }, gate: { passed } });
    }
  });

  afterAll(async () => {
    await registry?.close();
    await database?.destroy();
  });

  const promote = (version: number) =>
    promoteIfBetter(registry, {
      modelName: 'churn',
      version,
      alias: 'production',
      metric: 'macroF1',
      actor: 'schedule:nightly',
    });

  it('should promote the first passing version when no version holds the alias', async () => {
    expect(await promote(1)).toEqual({
      promoted: true,
      reason: "no version held 'production'",
      candidate: { version: 1, value: 0.8 },
      incumbent: null,
    });
  });

  it('should promote a version whose metric beats production', async () => {
    expect(await promote(2)).toMatchObject({
      promoted: true,
      reason: 'macroF1 beats v1',
      incumbent: { version: 1, value: 0.8 },
    });
  });

  it('should keep production when the new version does not beat it', async () => {
    expect(await promote(3)).toMatchObject({ promoted: false, reason: "macroF1 0.85 does not beat v2's 0.9" });
  });

  it('should never promote a version that failed its gate, however good its metric', async () => {
    expect(await promote(4)).toMatchObject({ promoted: false, reason: 'the version did not pass its quality gate' });
  });

  it('should record each promotion in the alias history with the schedule as actor', async () => {
    await setAlias(registry, 'churn', 'staging', 3, 'key:admin');
    const history = await listAliasHistory(registry, 'churn');

    expect(
      history.map(({ alias, fromVersion, toVersion, actor }) => ({ alias, fromVersion, toVersion, actor })),
    ).toEqual([
      { alias: 'staging', fromVersion: null, toVersion: 3, actor: 'key:admin' },
      { alias: 'production', fromVersion: 1, toVersion: 2, actor: 'schedule:nightly' },
      { alias: 'production', fromVersion: null, toVersion: 1, actor: 'schedule:nightly' },
    ]);
  });
});
