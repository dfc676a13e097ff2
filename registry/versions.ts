/**
 * One model version in full (metrics, gate decision, artifacts, aliases), the models with their
 * aliases, alias history, and archiving. An archived version keeps its lineage but can no longer
 * take an alias or serve predictions.
 */
import { and, asc, desc, eq, isNull, max } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';

import type { Registry, RegistryExecutor } from './db';
import { RegistryError } from './errors';
import { aliasHistory, artifacts, lineageEvents, modelAliases, models, modelVersions, stepExecutions } from './schema';
import type { GateOutcome, TeacherIdentity } from './types';
import { iso } from './util';

/** A stored artifact of a version's run, named by the step output that wrote it. */
export interface VersionArtifact {
  readonly step: string;
  readonly name: string;
  readonly kind: string;
  readonly uri: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** Everything the registry knows about one version, short of its full lineage. */
export interface ModelVersionDetail {
  readonly modelName: string;
  readonly version: number;
  readonly createdAt: string;
  readonly runId: string;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly gate: GateOutcome;
  readonly teacher: TeacherIdentity;
  readonly student: { readonly uri: string; readonly sha256: string };
  readonly datasetSha256: string;
  readonly configHash: string;
  readonly aliases: readonly string[];
  readonly archivedAt: string | null;
  readonly archivedBy: string | null;
  readonly artifacts: readonly VersionArtifact[];
}

/** A registered model: its latest version and where its aliases point. */
export interface ModelSummary {
  readonly name: string;
  readonly latestVersion: number;
  readonly createdAt: string;
  readonly aliases: Readonly<Record<string, number>>;
}

/** One recorded alias move; `fromVersion` is null for the first assignment. */
export interface AliasHistoryEntry {
  readonly alias: string;
  readonly fromVersion: number | null;
  readonly toVersion: number;
  readonly actor: string;
  readonly movedAt: string;
}

/** Every model, by name. */
export async function listModels(registry: Registry): Promise<ModelSummary[]> {
  const rows = await registry.db.select().from(models).orderBy(asc(models.name));
  const holders = await registry.db
    .select({ modelId: modelAliases.modelId, alias: modelAliases.alias, version: modelVersions.version })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId));
  return rows.map((m) => ({
    name: m.name,
    latestVersion: m.latestVersion,
    createdAt: iso(m.createdAt),
    aliases: Object.fromEntries(holders.filter((h) => h.modelId === m.id).map((h) => [h.alias, h.version])),
  }));
}

/**
 * One version with its metrics, gate decision, aliases and the artifacts its run wrote.
 * @throws RegistryError (reason 'not found') when the model or version does not exist.
 */
export async function getModelVersion(
  registry: Registry,
  modelName: string,
  version: number,
): Promise<ModelVersionDetail> {
  const row = await findVersion(registry.db, modelName, version);
  const aliases = await registry.db
    .select({ alias: modelAliases.alias })
    .from(modelAliases)
    .where(eq(modelAliases.versionId, row.id))
    .orderBy(asc(modelAliases.alias));
  return {
    modelName,
    version,
    createdAt: iso(row.createdAt),
    runId: row.runId,
    metrics: row.metrics,
    gate: row.gate,
    teacher: row.teacher,
    student: { uri: row.studentUri, sha256: row.studentSha256 },
    datasetSha256: row.datasetSha256,
    configHash: row.configHash,
    aliases: aliases.map((a) => a.alias),
    archivedAt: row.archivedAt ? iso(row.archivedAt) : null,
    archivedBy: row.archivedBy,
    artifacts: await findRunOutputs(registry.db, row.runId),
  };
}

/**
 * Archives a version. Archiving an archived version changes nothing.
 * @throws RegistryError (reason 'has aliases') while an alias names the version: move it first;
 *   (reason 'not found') when the model or version does not exist.
 */
export async function archiveModelVersion(
  registry: Registry,
  modelName: string,
  version: number,
  actor: string,
): Promise<void> {
  await registry.db.transaction(async (tx) => {
    const row = await findVersion(tx, modelName, version, true);
    const held = await tx
      .select({ alias: modelAliases.alias })
      .from(modelAliases)
      .where(eq(modelAliases.versionId, row.id));
    if (held.length > 0) {
      const names = held.map((h) => h.alias).join(', ');
      throw new RegistryError(`cannot archive ${modelName} v${version}: it holds alias ${names}; move it first`, {
        reason: 'has aliases',
        modelName,
        version,
        aliases: held.map((h) => h.alias),
      });
    }
    await tx
      .update(modelVersions)
      .set({ archivedAt: new Date(), archivedBy: actor })
      .where(and(eq(modelVersions.id, row.id), isNull(modelVersions.archivedAt)));
  });
}

/** The moves of every alias of a model, newest first. */
export async function listAliasHistory(registry: Registry, modelName: string): Promise<AliasHistoryEntry[]> {
  const from = alias(modelVersions, 'from_version');
  const to = alias(modelVersions, 'to_version');
  const rows = await registry.db
    .select({
      alias: aliasHistory.alias,
      fromVersion: from.version,
      toVersion: to.version,
      actor: aliasHistory.actor,
      movedAt: aliasHistory.movedAt,
    })
    .from(aliasHistory)
    .innerJoin(models, eq(models.id, aliasHistory.modelId))
    .innerJoin(to, eq(to.id, aliasHistory.toVersionId))
    .leftJoin(from, eq(from.id, aliasHistory.fromVersionId))
    .where(eq(models.name, modelName))
    .orderBy(desc(aliasHistory.id));
  return rows.map((r) => ({ ...r, movedAt: iso(r.movedAt) }));
}

/** The newest version number of a model, or null when it has none. */
export async function latestVersion(registry: Registry, modelName: string): Promise<number | null> {
  const [row] = await registry.db
    .select({ version: max(modelVersions.version) })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(eq(models.name, modelName));
  return row?.version ?? null;
}

async function findVersion(db: RegistryExecutor, modelName: string, version: number, lock = false) {
  const query = db
    .select({ version: modelVersions })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(and(eq(models.name, modelName), eq(modelVersions.version, version)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) {
    throw new RegistryError(`model '${modelName}' version ${version} not found in the registry`, {
      reason: 'not found',
      modelName,
      version,
    });
  }
  return row.version;
}

async function findRunOutputs(db: RegistryExecutor, runId: string): Promise<VersionArtifact[]> {
  return db
    .select({
      step: stepExecutions.step,
      name: lineageEvents.name,
      kind: artifacts.kind,
      uri: artifacts.uri,
      sha256: artifacts.sha256,
      bytes: artifacts.bytes,
    })
    .from(lineageEvents)
    .innerJoin(stepExecutions, eq(stepExecutions.id, lineageEvents.stepExecutionId))
    .innerJoin(artifacts, eq(artifacts.sha256, lineageEvents.artifactSha256))
    .where(and(eq(stepExecutions.runId, runId), eq(lineageEvents.direction, 'output')))
    .orderBy(asc(stepExecutions.startedAt), asc(lineageEvents.name));
}

/** What serving a version needs: its student artifact and whether it is archived. */
export interface ServableVersion {
  readonly modelName: string;
  readonly version: number;
  readonly student: { readonly uri: string; readonly sha256: string };
  readonly archived: boolean;
}

/**
 * The version an alias names, or the given version, with its student artifact, in one query.
 * @throws RegistryError (reason 'not found') when the model, version or alias does not exist.
 */
export async function findServableVersion(
  registry: Registry,
  modelName: string,
  selector: { readonly alias: string } | { readonly version: number },
): Promise<ServableVersion> {
  const columns = {
    version: modelVersions.version,
    studentUri: modelVersions.studentUri,
    studentSha256: modelVersions.studentSha256,
    archivedAt: modelVersions.archivedAt,
  };
  const base = registry.db.select(columns).from(modelVersions).innerJoin(models, eq(models.id, modelVersions.modelId));
  const [row] =
    'alias' in selector
      ? await base
          .innerJoin(modelAliases, eq(modelAliases.versionId, modelVersions.id))
          .where(and(eq(models.name, modelName), eq(modelAliases.alias, selector.alias)))
      : await base.where(and(eq(models.name, modelName), eq(modelVersions.version, selector.version)));
  if (!row) {
    const what = 'alias' in selector ? `alias '${selector.alias}'` : `version ${selector.version}`;
    throw new RegistryError(`model '${modelName}' has no ${what}`, { reason: 'not found', modelName, ...selector });
  }
  return {
    modelName,
    version: row.version,
    student: { uri: row.studentUri, sha256: row.studentSha256 },
    archived: row.archivedAt !== null,
  };
}
