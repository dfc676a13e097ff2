import { sql } from 'drizzle-orm';

import type { Registry } from '../../../registry/db';
import { deleteRun, recordRunStatus, registerModelVersion } from '../../../registry/repository';
import { countRows, createTestDatabase, DRIVERS, queryRows, registerInput } from './helpers';
import type { TestDatabase } from './helpers';

describe.each(DRIVERS)('runs (%s)', (driver) => {
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

  it('refuses to delete a run that a model version came from, keeping its lineage', async () => {
    await registerModelVersion(registry, registerInput('kept', 'k1'));

    await expect(deleteRun(registry, 'wf-k1/run-k1')).rejects.toMatchObject({
      type: 'RegistryError',
      details: { reason: 'has versions', runId: 'wf-k1/run-k1', modelName: 'kept', version: 1 },
    });
    expect(await countRows(registry, 'runs', `id = 'wf-k1/run-k1'`)).toBe(1);
    expect(await countRows(registry, 'step_executions', `run_id = 'wf-k1/run-k1'`)).toBe(4);
  });

  it('has the database itself refuse deleting such a run (foreign key ON DELETE RESTRICT)', async () => {
    await registerModelVersion(registry, registerInput('restricted', 'x1'));

    await expect(registry.db.execute(sql`delete from runs where id = 'wf-x1/run-x1'`)).rejects.toThrow();
    expect(await countRows(registry, 'runs', `id = 'wf-x1/run-x1'`)).toBe(1);
  });

  it('records a failed run without a version and deletes it on request', async () => {
    const { runId } = await recordRunStatus(registry, {
      workflowId: 'wf-fail',
      temporalRunId: 'run-fail',
      modelName: 'kept',
      status: 'failed',
      triggeredBy: 'jest',
    });

    const [run] = await queryRows<{ status: string; finished: boolean }>(
      registry,
      `select status, finished_at is not null as finished from runs where id = '${runId}'`,
    );
    expect(run).toEqual({ status: 'failed', finished: true });

    await deleteRun(registry, runId);
    expect(await countRows(registry, 'runs', `id = '${runId}'`)).toBe(0);
  });

  it('moves a running run to succeeded when it is registered', async () => {
    await recordRunStatus(registry, {
      workflowId: 'wf-m1',
      temporalRunId: 'run-m1',
      modelName: 'kept',
      status: 'running',
    });

    const result = await registerModelVersion(registry, registerInput('kept', 'm1'));

    expect(result).toEqual({ modelName: 'kept', version: 2, created: true });
    const [run] = await queryRows<{ status: string }>(registry, `select status from runs where id = 'wf-m1/run-m1'`);
    expect(run?.status).toBe('succeeded');
  });

  it('refuses to mark a run that produced a version as failed', async () => {
    const attempt = recordRunStatus(registry, {
      workflowId: 'wf-k1',
      temporalRunId: 'run-k1',
      modelName: 'kept',
      status: 'failed',
    });

    await expect(attempt).rejects.toMatchObject({ details: { reason: 'has versions' } });
  });

  it('fails with reason "not found" when deleting an unknown run', async () => {
    await expect(deleteRun(registry, 'wf-none/run-none')).rejects.toMatchObject({ details: { reason: 'not found' } });
  });
});
