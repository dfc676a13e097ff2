/**
 * Runs that did not produce a model version: recording their status, and deleting them. A run
 * that a version came from is part of that version's lineage and can be neither changed nor deleted.
 */
import { eq } from 'drizzle-orm';

import type { Registry } from './db';
import { RegistryError } from './errors';
import { findVersionOfRun } from './register';
import { runs } from './schema';
import type { RunStatusInput } from './types';
import { hasErrorCode, parseInstant, PG_FOREIGN_KEY_VIOLATION, requireText, runIdOf } from './util';

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
