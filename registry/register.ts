/**
 * Registration of model versions: one transaction writes the run, its step executions, the
 * artifacts and lineage events, and allocates the next version under the model row's lock.
 */
import { eq, sql } from 'drizzle-orm';

import type { ArtifactRef, StepRecord } from '../common/contracts';
import type { Registry, RegistryExecutor, RegistryTransaction } from './db';
import { RegistryError } from './errors';
import { artifacts, lineageEvents, models, modelVersions, runs, stepExecutions } from './schema';
import type { LineageDirection } from './schema';
import type { RegisterInput, RegisterResult } from './types';
import { hasErrorCode, PG_UNIQUE_VIOLATION, parseInstant, requireText, runIdOf } from './util';

/**
 * Registers a model version for a finished run, with its full lineage, in one transaction.
 *
 * Idempotent per run: when a version already came from `${workflowId}/${temporalRunId}`, it is
 * returned with `created: false` and nothing is written, so a retried activity never creates a
 * second version (two concurrent identical calls are settled by the unique `run_id` constraint).
 * Concurrent registrations of one model name are serialised by the lock on its `models` row and
 * receive consecutive versions.
 * @throws RegistryError (reason 'invalid input') when the run identity or hashes are missing.
 */
export async function registerModelVersion(registry: Registry, input: RegisterInput): Promise<RegisterResult> {
  validateRegisterInput(input);
  const runId = runIdOf(input.run.workflowId, input.run.temporalRunId);

  const existing = await findVersionOfRun(registry.db, runId);
  if (existing) return { ...existing, created: false };

  try {
    const version = await registry.db.transaction((tx) => writeRegistration(tx, runId, input));
    return { modelName: input.modelName, version, created: true };
  } catch (error) {
    // A concurrent identical registration won the race; the transaction above rolled back.
    const winner = hasErrorCode(error, PG_UNIQUE_VIOLATION) ? await findVersionOfRun(registry.db, runId) : undefined;
    if (winner) return { ...winner, created: false };
    throw error;
  }
}

/** The version that came from a run, if any. */
export async function findVersionOfRun(
  db: RegistryExecutor,
  runId: string,
): Promise<{ modelName: string; version: number } | undefined> {
  const rows = await db
    .select({ modelName: models.name, version: modelVersions.version })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(eq(modelVersions.runId, runId));
  return rows[0];
}

function validateRegisterInput(input: RegisterInput): void {
  requireText('modelName', input.modelName);
  // Payloads arrive from Temporal untyped: a registration without a training run is refused here.
  if (!input.run) throw new RegistryError('run is required: a model version comes from a run', invalid('run'));
  requireText('run.workflowId', input.run.workflowId);
  requireText('run.temporalRunId', input.run.temporalRunId);
  requireText('run.configHash', input.run.configHash);
  requireText('run.datasetSha256', input.run.datasetSha256);
  requireText('student.sha256', input.student.sha256);
  parseInstant('run.startedAt', input.run.startedAt);
  if (input.features === undefined || input.features === null) {
    throw new RegistryError('features are required: record what the student was trained on', invalid('features'));
  }
  validateSteps(input.steps);
}

function validateSteps(steps: readonly StepRecord[]): void {
  const names = steps.map((s) => s.step);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) {
    throw new RegistryError(`step '${duplicate}' is recorded twice; each step runs once per run`, invalid('steps'));
  }
}

function invalid(field: string) {
  return { reason: 'invalid input' as const, field };
}

async function writeRegistration(tx: RegistryTransaction, runId: string, input: RegisterInput): Promise<number> {
  await upsertRun(tx, runId, input);
  await insertArtifacts(tx, [...input.steps.flatMap(stepArtifacts), input.student]);
  for (const step of input.steps) {
    await insertStep(tx, runId, step);
  }

  const model = await allocateVersion(tx, input.modelName);
  await insertVersion(tx, model, runId, input);
  return model.version;
}

async function upsertRun(tx: RegistryTransaction, runId: string, input: RegisterInput): Promise<void> {
  const { run } = input;
  const values = {
    workflowId: run.workflowId,
    temporalRunId: run.temporalRunId,
    modelName: input.modelName,
    status: 'succeeded' as const,
    config: { ...run.config },
    configHash: run.configHash,
    datasetUri: run.datasetUri,
    datasetSha256: run.datasetSha256,
    codeVersion: run.codeVersion,
    triggeredBy: run.triggeredBy,
    startedAt: parseInstant('run.startedAt', run.startedAt),
    finishedAt: run.finishedAt ? parseInstant('run.finishedAt', run.finishedAt) : new Date(),
  };
  await tx
    .insert(runs)
    .values({ id: runId, ...values })
    .onConflictDoUpdate({ target: runs.id, set: values });
}

function stepArtifacts(step: StepRecord): ArtifactRef[] {
  return [...Object.values(step.inputs), ...Object.values(step.outputs)];
}

async function insertArtifacts(tx: RegistryTransaction, refs: readonly ArtifactRef[]): Promise<void> {
  // Sorted and deduplicated: concurrent registrations sharing artifacts lock them in one order.
  const bySha = new Map(refs.map((ref) => [ref.sha256, ref]));
  const rows = [...bySha.values()]
    .sort((a, b) => a.sha256.localeCompare(b.sha256))
    .map((ref) => ({ sha256: ref.sha256, uri: ref.uri, kind: ref.kind, bytes: ref.bytes }));
  if (rows.length === 0) return;

  await tx.insert(artifacts).values(rows).onConflictDoNothing({ target: artifacts.sha256 });
}

async function insertStep(tx: RegistryTransaction, runId: string, step: StepRecord): Promise<void> {
  const values = {
    params: { ...step.params },
    summary: { ...step.summary },
    startedAt: parseInstant(`steps.${step.step}.startedAt`, step.startedAt),
    finishedAt: parseInstant(`steps.${step.step}.finishedAt`, step.finishedAt),
  };
  const [row] = await tx
    .insert(stepExecutions)
    .values({ runId, step: step.step, ...values })
    .onConflictDoUpdate({ target: [stepExecutions.runId, stepExecutions.step], set: values })
    .returning({ id: stepExecutions.id });
  if (!row) throw new Error(`step execution ${runId}/${step.step} was not written`);

  const events = [...lineageRows(row.id, 'input', step.inputs), ...lineageRows(row.id, 'output', step.outputs)];
  if (events.length === 0) return;
  await tx.insert(lineageEvents).values(events).onConflictDoNothing();
}

function lineageRows(
  stepExecutionId: number,
  direction: LineageDirection,
  refs: Readonly<Record<string, ArtifactRef>>,
) {
  return Object.entries(refs).map(([name, ref]) => ({ stepExecutionId, direction, name, artifactSha256: ref.sha256 }));
}

async function allocateVersion(tx: RegistryTransaction, modelName: string): Promise<{ id: number; version: number }> {
  await tx.insert(models).values({ name: modelName }).onConflictDoNothing({ target: models.name });
  // The UPDATE takes the row lock that serialises concurrent registrations of this model name.
  const [row] = await tx
    .update(models)
    .set({ latestVersion: sql`${models.latestVersion} + 1` })
    .where(eq(models.name, modelName))
    .returning({ id: models.id, version: models.latestVersion });
  if (!row) throw new Error(`model '${modelName}' vanished while allocating a version`);
  return row;
}

async function insertVersion(
  tx: RegistryTransaction,
  model: { id: number; version: number },
  runId: string,
  input: RegisterInput,
): Promise<void> {
  await tx.insert(modelVersions).values({
    modelId: model.id,
    version: model.version,
    runId,
    metrics: { ...input.metrics },
    gate: input.gate,
    studentUri: input.student.uri,
    studentSha256: input.student.sha256,
    teacher: { name: input.teacher.name, version: input.teacher.version, sha256: input.teacher.sha256 },
    features: input.features,
    configHash: input.run.configHash,
    datasetSha256: input.run.datasetSha256,
  });
}
