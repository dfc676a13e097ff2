/**
 * Scenario 3: PostgreSQL (a private server, so the machine's shared one is left alone) is crashed
 * around the register step and started again. Every run must register exactly one version.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { WorkflowHandle } from '@temporalio/client';
import { Client } from 'pg';

import { openRegistry } from '../../registry/db';
import { recordEvidence } from './support/evidence';
import { PrivatePostgres } from './support/private-postgres';
import { sleep, waitFor } from './support/processes';
import { resultThroughOutages } from './support/results';
import { Stack } from './support/stack';

const DOWN_MS = 10_000;
/** Steps after which the run no longer reads the registry before register (no champion is set). */
const TRAINING = ['loadTeacher', 'distill'];
/** Failed attempts of register seen before the database is started again, in the first trial. */
const FAILED_ATTEMPTS = 2;

describe('scenario 3: PostgreSQL crash during registration', () => {
  let postgres: PrivatePostgres;
  let folder: string;
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'distillery-fault-pg-'));
    postgres = await PrivatePostgres.start(folder);
    const databaseUrl = await postgres.createDatabase('registry');
    // The schema must exist before the test can lock its tables; workers would create it on first use.
    await (await openRegistry({ databaseUrl, dataDir: folder })).close();
    stack = await Stack.start('postgres', { databaseUrl });
  });

  afterAll(async () => {
    await stack?.close();
    await postgres?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('registers exactly one version per run after the database comes back', async () => {
    const details = [await downAcrossRetries(stack, postgres), await crashInsideRegister(stack, postgres)];
    await recordEvidence({
      id: '3-stop-postgres',
      scenario: 'PostgreSQL crashed during registration',
      broken:
        'private PostgreSQL crashed (`pg_ctl -m immediate`) while register was inside its transaction, held on a ' +
        `table lock: (a) at its first statement, restarted after ${FAILED_ATTEMPTS} more failed attempts; ` +
        `(b) half-way (rows written, not committed), restarted after ${DOWN_MS / 1000} s`,
      outcome:
        'register retried until the database was back; ' +
        details
          .map((d) => `(${String(d.trial)}) versions ${JSON.stringify(d.versions)}, run ${String(d.statuses)}`)
          .join('; '),
      trials: details.length,
      survived: details.filter((d) => d.survived).length,
      seconds: Math.round((Date.now() - started) / 1000),
      details,
    });
    expect(details.map((d) => d.survived)).toEqual(details.map(() => true));
  });
});

/**
 * Register blocks at its first statement (the test holds a lock on `runs`); the database crashes
 * under it and stays down until register has failed {@link FAILED_ATTEMPTS} more times.
 */
async function downAcrossRetries(stack: Stack, postgres: PrivatePostgres) {
  const modelName = 'pg-down-across-retries';
  const handle = await stack.startRun(stack.config(modelName));
  const lock = await lockWhenTraining(stack, handle, 'runs');
  const waiting = await waitFor('register to block on the lock', () => registerBlocked(stack, handle), 600_000, 200);
  await postgres.crash();
  await lock.end().catch(() => undefined);
  const attempt = await waitFor('register to fail', () => registerAttempt(stack, handle, FAILED_ATTEMPTS + 1), 600_000);
  await postgres.startServer();
  return outcome(stack, handle, modelName, 'a', { waitingWhenCrashed: waiting, registerAttemptWhenRestarted: attempt });
}

/**
 * Register blocks half-way through its transaction (run, artifacts and step rows written, not
 * committed) on a lock the test holds on `lineage_events`; the database crashes under it.
 */
async function crashInsideRegister(stack: Stack, postgres: PrivatePostgres) {
  const modelName = 'pg-crash-inside-register';
  const handle = await stack.startRun(stack.config(modelName));
  const lock = await lockWhenTraining(stack, handle, 'lineage_events');
  const waiting = await waitFor('register to block on the lock', () => registerBlocked(stack, handle), 600_000, 200);
  await postgres.crash();
  await lock.end().catch(() => undefined);
  await sleep(DOWN_MS);
  await postgres.startServer();
  return outcome(stack, handle, modelName, 'b', { waitingWhenCrashed: waiting, downSeconds: DOWN_MS / 1000 });
}

/**
 * Takes the lock once the run trains: earlier steps (clean) read the registry too, and must not be
 * the ones that block on it.
 */
async function lockWhenTraining(stack: Stack, handle: WorkflowHandle, table: string): Promise<Client> {
  await waitFor(
    'training',
    async () => (TRAINING.includes((await stack.snapshot(handle)).activity ?? '') ? true : undefined),
    600_000,
    100,
  );
  return holdLock(stack.databaseUrl, table);
}

/** Lock waiters once the run's pending activity is register. */
async function registerBlocked(stack: Stack, handle: WorkflowHandle): Promise<number | undefined> {
  return (await stack.snapshot(handle)).activity === 'register' ? lockWaiters(stack.databaseUrl) : undefined;
}

/** A connection holding an exclusive lock on `table` in an open transaction. */
async function holdLock(databaseUrl: string, table: string): Promise<Client> {
  const lock = new Client({ connectionString: databaseUrl });
  lock.on('error', () => undefined);
  await lock.connect();
  await lock.query('begin');
  await lock.query(`lock table ${table} in access exclusive mode`);
  return lock;
}

async function outcome(stack: Stack, handle: WorkflowHandle, modelName: string, trial: string, extra: object) {
  const result = await resultThroughOutages(handle);
  const versions = await stack.versions(modelName);
  const statuses = await stack.runStatuses(modelName);
  const cpuWorkerAlive = stack.worker('cpu').alive();
  const survived = result.version === 1 && versions.join() === '1' && statuses.join() === 'succeeded' && cpuWorkerAlive;
  return { trial, ...extra, version: result.version, versions, statuses, cpuWorkerAlive, survived };
}

async function registerAttempt(stack: Stack, handle: WorkflowHandle, atLeast: number): Promise<number | undefined> {
  const { activity, attempt } = await stack.snapshot(handle);
  return activity === 'register' && (attempt ?? 0) >= atLeast ? attempt : undefined;
}

/** Sessions waiting for a lock (a fresh connection each time: activity statistics are cached per transaction). */
async function lockWaiters(databaseUrl: string): Promise<number | undefined> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()",
    );
    const count = Number(rows[0]?.n ?? 0);
    return count > 0 ? count : undefined;
  } finally {
    await client.end();
  }
}
