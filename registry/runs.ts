/**
 * Runs that did not produce a model version: recording their status, and deleting them. A run
 * that a version came from is part of that version's lineage and can be neither changed nor deleted.
 */
import { and, asc, desc, eq, gte, sql, type SQL } from 'drizzle-orm';

import type { Registry } from './db';
import { RegistryError } from './errors';
import { findVersionOfRun } from './register';
import { runs, stepExecutions, type RunStatus } from './schema';
import type { RunStatusInput } from './types';
import { hasErrorCode, iso, parseInstant, PG_FOREIGN_KEY_VIOLATION, requireText, runIdOf } from './util';

/**
 * Records (or updates) the status of a run, typically a failed or cancelled one, so that it shows
 * up in the registry without a model version. Fields left out keep their recorded values.
 * @returns the run id.
 * @throws RegistryError (reason 'has versions') when a model version came from the run.
 */
export async function recordRunStatus(registry: Registry, input: RunStatusInput): Promise<{ runId: string }> {
  requireText('workflowId', input.workflowId);
  requireText('temporalRunId', input.temporalRunId);
  requireText('modelName', input.modelName);
  const runId = runIdOf(input.workflowId, input.temporalRunId);
  const values = runStatusValues(input);

  await registry.db.transaction(async (tx) => {
    refuseIfVersioned(await findVersionOfRun(tx, runId), runId, 'change the status of');
    await tx
      .insert(runs)
      .values({ id: runId, workflowId: input.workflowId, temporalRunId: input.temporalRunId, ...values })
      .onConflictDoUpdate({ target: runs.id, set: values });
  });
  return { runId };
}

function runStatusValues(input: RunStatusInput) {
  const finished = input.finishedAt ?? (input.status === 'running' ? undefined : new Date().toISOString());
  return {
    modelName: input.modelName,
    status: input.status,
    config: input.config ? { ...input.config } : undefined,
    configHash: input.configHash,
    datasetUri: input.datasetUri,
    datasetSha256: input.datasetSha256,
    codeVersion: input.codeVersion,
    triggeredBy: input.triggeredBy,
    startedAt: input.startedAt ? parseInstant('startedAt', input.startedAt) : undefined,
    finishedAt: finished ? parseInstant('finishedAt', finished) : undefined,
  };
}

/**
 * Deletes a run with its step executions and lineage events.
 * @throws RegistryError (reason 'has versions') when a model version came from the run; the
 * foreign key `model_versions.run_id … ON DELETE RESTRICT` refuses it too, should a version be
 * registered concurrently. Reason 'not found' when no such run exists.
 */
export async function deleteRun(registry: Registry, runId: string): Promise<void> {
  try {
    await registry.db.transaction(async (tx) => {
      refuseIfVersioned(await findVersionOfRun(tx, runId), runId, 'delete');
      const deleted = await tx.delete(runs).where(eq(runs.id, runId)).returning({ id: runs.id });
      if (deleted.length === 0) throw new RegistryError(`run '${runId}' not found`, { reason: 'not found', runId });
    });
  } catch (error) {
    if (!hasErrorCode(error, PG_FOREIGN_KEY_VIOLATION)) throw error;
    throw hasVersionsError(runId, 'delete', error);
  }
}

function refuseIfVersioned(
  version: { modelName: string; version: number } | undefined,
  runId: string,
  action: string,
): void {
  if (version) throw hasVersionsError(runId, action, undefined, version);
}

function hasVersionsError(
  runId: string,
  action: string,
  cause?: unknown,
  version?: { modelName: string; version: number },
): RegistryError {
  const from = version ? `${version.modelName} v${version.version}` : 'a model version';
  return new RegistryError(
    `cannot ${action} run '${runId}': ${from} came from it and its lineage must stay intact`,
    { reason: 'has versions', runId, ...(version ?? {}) },
    { cause },
  );
}

/** A run as listed by the API. */
export interface RunSummary {
  readonly id: string;
  readonly workflowId: string;
  readonly temporalRunId: string;
  readonly modelName: string;
  readonly status: RunStatus;
  readonly triggeredBy: string | null;
  readonly datasetSha256: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** A run with its configuration and the steps the registry recorded for it. */
export interface RunDetail extends RunSummary {
  readonly config: Readonly<Record<string, unknown>> | null;
  readonly codeVersion: string | null;
  readonly version: number | null;
  readonly steps: readonly { step: string; startedAt: string; finishedAt: string }[];
}

/** Filters of {@link listRuns}; every one is optional but `limit`. */
export interface RunQuery {
  readonly modelName?: string;
  readonly status?: RunStatus;
  readonly triggeredBy?: string;
  readonly since?: Date;
  readonly limit: number;
}

/** Runs matching every given filter, newest first. */
export async function listRuns(registry: Registry, query: RunQuery): Promise<RunSummary[]> {
  const filters: SQL[] = [];
  if (query.modelName) filters.push(eq(runs.modelName, query.modelName));
  if (query.status) filters.push(eq(runs.status, query.status));
  if (query.triggeredBy) filters.push(eq(runs.triggeredBy, query.triggeredBy));
  if (query.since) filters.push(gte(runs.startedAt, query.since));
  const rows = await registry.db
    .select()
    .from(runs)
    .where(and(...filters))
    .orderBy(desc(runs.startedAt))
    .limit(query.limit);
  return rows.map(summaryOf);
}

/**
 * The newest recorded run of a workflow (a workflow id names one API run; Temporal may have run it
 * more than once), or null when none is recorded.
 */
export async function findRunOfWorkflow(registry: Registry, workflowId: string): Promise<RunDetail | null> {
  const [row] = await registry.db
    .select()
    .from(runs)
    .where(eq(runs.workflowId, workflowId))
    .orderBy(desc(runs.startedAt))
    .limit(1);
  if (!row) return null;
  const steps = await registry.db
    .select({ step: stepExecutions.step, startedAt: stepExecutions.startedAt, finishedAt: stepExecutions.finishedAt })
    .from(stepExecutions)
    .where(eq(stepExecutions.runId, row.id))
    .orderBy(asc(stepExecutions.startedAt));
  const version = await findVersionOfRun(registry.db, row.id);
  return {
    ...summaryOf(row),
    config: row.config,
    codeVersion: row.codeVersion,
    version: version?.version ?? null,
    steps: steps.map((s) => ({ step: s.step, startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt) })),
  };
}

function summaryOf(row: typeof runs.$inferSelect): RunSummary {
  return {
    id: row.id,
    workflowId: row.workflowId,
    temporalRunId: row.temporalRunId,
    modelName: row.modelName,
    status: row.status,
    triggeredBy: row.triggeredBy,
    datasetSha256: row.datasetSha256,
    startedAt: iso(row.startedAt),
    finishedAt: row.finishedAt ? iso(row.finishedAt) : null,
  };
}

/** How many runs the registry holds in each status. */
export async function countRunsByStatus(registry: Registry): Promise<Partial<Record<RunStatus, number>>> {
  const rows = await registry.db
    .select({ status: runs.status, count: sql<number>`count(*)::int` })
    .from(runs)
    .groupBy(runs.status);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
}

/** Per step: how many executions are recorded and their mean and maximum duration in seconds. */
export async function stepDurationStats(
  registry: Registry,
): Promise<{ step: string; count: number; meanSeconds: number; maxSeconds: number }[]> {
  const seconds = sql`extract(epoch from ${stepExecutions.finishedAt} - ${stepExecutions.startedAt})`;
  const rows = await registry.db
    .select({
      step: stepExecutions.step,
      count: sql<number>`count(*)::int`,
      meanSeconds: sql<number>`avg(${seconds})::float8`,
      maxSeconds: sql<number>`max(${seconds})::float8`,
    })
    .from(stepExecutions)
    .groupBy(stepExecutions.step);
  return rows.map((r) => ({
    ...r,
    count: Number(r.count),
    meanSeconds: Number(r.meanSeconds),
    maxSeconds: Number(r.maxSeconds),
  }));
}
