/**
 * Read side of the registry: the versions of a model, and the lineage of one version from its
 * dataset through every step execution and artifact to the student.
 */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';

import type { Registry, RegistryExecutor } from './db';
import { RegistryError } from './errors';
import { artifacts, lineageEvents, models, modelVersions, runs, stepExecutions } from './schema';
import type { LineageArtifact, LineageStep, ModelLineage, ModelVersionSummary } from './types';
import { iso } from './util';

/** Versions of one model, or of every model when no name is given, newest first. */
export async function listModelVersions(registry: Registry, modelName?: string): Promise<ModelVersionSummary[]> {
  const rows = await registry.db
    .select({
      modelName: models.name,
      version: modelVersions.version,
      createdAt: modelVersions.createdAt,
      metrics: modelVersions.metrics,
      gate: modelVersions.gate,
      runId: modelVersions.runId,
      datasetSha256: modelVersions.datasetSha256,
    })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(modelName === undefined ? undefined : eq(models.name, modelName))
    .orderBy(desc(modelVersions.id));

  return rows.map(({ gate, metrics, createdAt, ...row }) => ({
    ...row,
    createdAt: iso(createdAt),
    metrics: numericMetrics(metrics),
    gatePassed: gate.passed === true,
  }));
}

function numericMetrics(metrics: Readonly<Record<string, unknown>>): Record<string, number> {
  const entries = Object.entries(metrics).filter((entry): entry is [string, number] => Number.isFinite(entry[1]));
  return Object.fromEntries(entries);
}

/**
 * Lineage of a model version: its run, dataset, teacher, configuration hash, code version,
 * features, and every step with the artifacts it read and wrote. The latest version when
 * `version` is omitted.
 * @throws RegistryError (reason 'not found') when the model or the version does not exist.
 */
export async function getLineage(registry: Registry, modelName: string, version?: number): Promise<ModelLineage> {
  const head = await findVersionWithRun(registry.db, modelName, version);
  const steps = await findSteps(registry.db, head.run.id);

  return {
    modelName,
    version: head.version.version,
    createdAt: iso(head.version.createdAt),
    run: {
      id: head.run.id,
      workflowId: head.run.workflowId,
      temporalRunId: head.run.temporalRunId,
      status: head.run.status,
      triggeredBy: head.run.triggeredBy,
      startedAt: iso(head.run.startedAt),
      finishedAt: head.run.finishedAt ? iso(head.run.finishedAt) : null,
      config: head.run.config,
    },
    dataset: { uri: head.run.datasetUri, sha256: head.version.datasetSha256 },
    teacher: head.version.teacher,
    student: { uri: head.version.studentUri, sha256: head.version.studentSha256 },
    configHash: head.version.configHash,
    codeVersion: head.run.codeVersion,
    features: head.version.features,
    metrics: head.version.metrics,
    gate: head.version.gate,
    steps,
  };
}

async function findVersionWithRun(db: RegistryExecutor, modelName: string, version: number | undefined) {
  const wanted = version === undefined ? undefined : eq(modelVersions.version, version);
  const [row] = await db
    .select({ version: modelVersions, run: runs })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .innerJoin(runs, eq(runs.id, modelVersions.runId))
    .where(and(eq(models.name, modelName), wanted))
    .orderBy(desc(modelVersions.version))
    .limit(1);
  if (!row) {
    const what = version === undefined ? `model '${modelName}'` : `model '${modelName}' version ${version}`;
    throw new RegistryError(`${what} not found in the registry`, { reason: 'not found', modelName, version });
  }
  return row;
}

async function findSteps(db: RegistryExecutor, runId: string): Promise<LineageStep[]> {
  const steps = await db
    .select()
    .from(stepExecutions)
    .where(eq(stepExecutions.runId, runId))
    .orderBy(asc(stepExecutions.startedAt), asc(stepExecutions.id));
  const events = await findEvents(
    db,
    steps.map((s) => s.id),
  );

  return steps.map((s) => ({
    step: s.step,
    params: s.params,
    summary: s.summary,
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    inputs: events.filter((e) => e.stepExecutionId === s.id && e.direction === 'input').map(toArtifact),
    outputs: events.filter((e) => e.stepExecutionId === s.id && e.direction === 'output').map(toArtifact),
  }));
}

async function findEvents(db: RegistryExecutor, stepExecutionIds: number[]) {
  if (stepExecutionIds.length === 0) return [];
  return db
    .select({
      stepExecutionId: lineageEvents.stepExecutionId,
      direction: lineageEvents.direction,
      name: lineageEvents.name,
      kind: artifacts.kind,
      uri: artifacts.uri,
      sha256: artifacts.sha256,
      bytes: artifacts.bytes,
    })
    .from(lineageEvents)
    .innerJoin(artifacts, eq(artifacts.sha256, lineageEvents.artifactSha256))
    .where(inArray(lineageEvents.stepExecutionId, stepExecutionIds))
    .orderBy(asc(lineageEvents.name));
}

function toArtifact(event: LineageArtifact & { stepExecutionId: number; direction: string }): LineageArtifact {
  return { name: event.name, kind: event.kind, uri: event.uri, sha256: event.sha256, bytes: event.bytes };
}
