import type { Registry } from '../../../registry/db';
import { RegistryError } from '../../../registry/errors';
import { listModelVersions, registerModelVersion } from '../../../registry/repository';
import type { RegisterInput } from '../../../registry/types';
import { countRows, createTestDatabase, DRIVERS, queryRows, registerInput, sha } from './helpers';
import type { TestDatabase } from './helpers';

describe.each(DRIVERS)('registerModelVersion (%s)', (driver) => {
  let database: TestDatabase;
  let registry: Registry;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    registry = await database.open();
  });

  afterAll(async () => {
    await registry.close();
    await database.destroy();
  });

  it('creates version 1 with its run, step executions, artifacts and lineage events', async () => {
    const result = await registerModelVersion(registry, registerInput('first', 'f1'));

    expect(result).toEqual({ modelName: 'first', version: 1, created: true });
    const [run] = await queryRows<{ status: string; dataset_sha256: string }>(
      registry,
      `select status, dataset_sha256 from runs where id = 'wf-f1/run-f1'`,
    );
    expect(run).toEqual({ status: 'succeeded', dataset_sha256: sha('dataset-v1') });
    expect(await countRows(registry, 'step_executions', `run_id = 'wf-f1/run-f1'`)).toBe(4);
    const events = `step_execution_id in (select id from step_executions where run_id = 'wf-f1/run-f1')`;
    expect(await countRows(registry, 'lineage_events', events)).toBe(10);
    expect(await countRows(registry, 'artifacts', `sha256 = '${sha('f1/student')}'`)).toBe(1);
  });

  it('returns the same version with created=false when a run is registered again', async () => {
    const input = registerInput('retried', 'r1');
    const first = await registerModelVersion(registry, input);

    const retry = await registerModelVersion(registry, input);

    expect(first).toEqual({ modelName: 'retried', version: 1, created: true });
    expect(retry).toEqual({ modelName: 'retried', version: 1, created: false });
    expect(await countRows(registry, 'model_versions', `run_id = 'wf-r1/run-r1'`)).toBe(1);
    const [model] = await queryRows<{ latest_version: number }>(
      registry,
      `select latest_version from models where name = 'retried'`,
    );
    expect(model?.latest_version).toBe(1);
  });

  it('gives successive runs of one model consecutive versions, each pointing at its run', async () => {
    const keys = ['s1', 's2', 's3', 's4', 's5'];
    const results = [];
    for (const key of keys) results.push(await registerModelVersion(registry, registerInput('sequential', key)));

    expect(results.map((r) => r.version)).toEqual([1, 2, 3, 4, 5]);
    const versions = await listModelVersions(registry, 'sequential');
    expect(versions.map((v) => [v.version, v.runId])).toEqual(
      [...keys].reverse().map((key, i) => [5 - i, `wf-${key}/run-${key}`]),
    );
  });

  it('shares one artifact row between runs that read the same dataset', async () => {
    await registerModelVersion(registry, registerInput('shared', 'sh1'));
    await registerModelVersion(registry, registerInput('shared', 'sh2'));

    expect(await countRows(registry, 'artifacts', `sha256 = '${sha('dataset-v1')}'`)).toBe(1);
  });

  it('refuses a registration without a training run identity, writing nothing', async () => {
    const input = registerInput('orphan', 'o1');
    const orphan = { ...input, run: { ...input.run, workflowId: '' } };

    await expect(registerModelVersion(registry, orphan)).rejects.toMatchObject({
      type: 'RegistryError',
      details: { reason: 'invalid input', field: 'run.workflowId' },
    });
    const runless = { ...input, run: undefined } as unknown as RegisterInput;
    await expect(registerModelVersion(registry, runless)).rejects.toMatchObject({
      details: { reason: 'invalid input', field: 'run' },
    });
    expect(await countRows(registry, 'models', `name = 'orphan'`)).toBe(0);
  });

  it('refuses a registration whose dataset hash is missing', async () => {
    const input = registerInput('nodataset', 'n1');
    const promise = registerModelVersion(registry, { ...input, run: { ...input.run, datasetSha256: ' ' } });

    await expect(promise).rejects.toBeInstanceOf(RegistryError);
  });

  it('lists versions newest first with numeric metrics, gate outcome, run id and dataset hash', async () => {
    await registerModelVersion(registry, registerInput('listed', 'l1'));
    await registerModelVersion(registry, { ...registerInput('listed', 'l2'), gate: { passed: false, ratio: 0.5 } });

    const versions = await listModelVersions(registry, 'listed');

    expect(versions).toEqual([
      expect.objectContaining({ modelName: 'listed', version: 2, gatePassed: false, runId: 'wf-l2/run-l2' }),
      expect.objectContaining({ modelName: 'listed', version: 1, gatePassed: true, runId: 'wf-l1/run-l1' }),
    ]);
    expect(versions[0]?.metrics).toEqual({ macroF1: 0.91, accuracy: 0.93 });
    expect(versions[0]?.datasetSha256).toBe(sha('dataset-v1'));
    expect(Number.isNaN(Date.parse(versions[0]?.createdAt ?? ''))).toBe(false);
  });

  it('lists the versions of every model when no name is given', async () => {
    const all = await listModelVersions(registry);

    expect(new Set(all.map((v) => v.modelName))).toEqual(
      new Set(['first', 'retried', 'sequential', 'shared', 'listed']),
    );
  });
});

describe('registerModelVersion under concurrency (postgres)', () => {
  const itPostgres = DRIVERS.includes('postgres') ? it : it.skip;
  let database: TestDatabase | undefined;
  let registry: Registry | undefined;

  beforeAll(async () => {
    if (!DRIVERS.includes('postgres')) return;
    database = await createTestDatabase('postgres');
    registry = await database.open();
  });

  afterAll(async () => {
    await registry?.close();
    await database?.destroy();
  });

  itPostgres('gives five simultaneous registrations of one model versions exactly 1..5, each for its run', async () => {
    const keys = ['c1', 'c2', 'c3', 'c4', 'c5'];

    const results = await Promise.all(keys.map((key) => registerModelVersion(registry!, registerInput('racing', key))));

    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(results.every((r) => r.created)).toBe(true);
    const rows = await queryRows<{ version: number; run_id: string }>(
      registry!,
      `select v.version, v.run_id from model_versions v join models m on m.id = v.model_id
       where m.name = 'racing' order by v.version`,
    );
    const expected = keys.map((key, i) => ({ version: results[i]!.version, run_id: `wf-${key}/run-${key}` }));
    expect(rows).toEqual(expected.sort((a, b) => a.version - b.version));
  });

  itPostgres('creates one version when the same run is registered twice at once', async () => {
    const input = registerInput('twice', 't1');

    const results = await Promise.all([registerModelVersion(registry!, input), registerModelVersion(registry!, input)]);

    expect(results.map((r) => r.version)).toEqual([1, 1]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await countRows(registry!, 'model_versions', `run_id = 'wf-t1/run-t1'`)).toBe(1);
    const [model] = await queryRows<{ latest_version: number }>(
      registry!,
      `select latest_version from models where name = 'twice'`,
    );
    expect(model?.latest_version).toBe(1);
  });
});
