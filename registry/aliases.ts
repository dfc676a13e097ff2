/**
 * Model aliases ('production', 'staging', …): each names at most one version of a model at any
 * instant. Every move is written in one transaction together with its row in `alias_history`.
 */
import { and, eq } from 'drizzle-orm';

import type { Registry, RegistryTransaction } from './db';
import { RegistryError } from './errors';
import { aliasHistory, modelAliases, models, modelVersions } from './schema';
import type { AliasMove } from './types';
import { requireText } from './util';

const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

/**
 * Points `alias` of a model at `version`, atomically: the model row is locked for the duration,
 * the alias row is inserted or moved, and one history row records the move and its actor.
 * Setting an alias to the version it already names writes nothing and returns `changed: false`.
 * @throws RegistryError (reason 'not found') for an unknown model or version; (reason 'archived') for an
 * archived version; (reason
 * 'invalid input') for an alias that is not lower-case letters, digits, '-' and '_'.
 */
export async function setAlias(
  registry: Registry,
  modelName: string,
  alias: string,
  version: number,
  actor: string,
): Promise<AliasMove> {
  validateAlias(alias);
  requireText('actor', actor);

  return registry.db.transaction(async (tx) => {
    const modelId = await lockModel(tx, modelName);
    const target = await findVersionId(tx, modelId, modelName, version);
    const current = await findAliasHolder(tx, modelId, alias);
    if (current?.versionId === target) {
      return { modelName, alias, version, previousVersion: version, changed: false };
    }

    await moveAlias(tx, { modelId, alias, versionId: target, actor, fromVersionId: current?.versionId ?? null });
    return { modelName, alias, version, previousVersion: current?.version ?? null, changed: true };
  });
}

/** The version an alias of a model names, or null when the alias is not set. */
export async function resolveAlias(registry: Registry, modelName: string, alias: string): Promise<number | null> {
  const [row] = await registry.db
    .select({ version: modelVersions.version })
    .from(modelAliases)
    .innerJoin(models, eq(models.id, modelAliases.modelId))
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
    .where(and(eq(models.name, modelName), eq(modelAliases.alias, alias)));
  return row?.version ?? null;
}

function validateAlias(alias: string): void {
  if (!ALIAS_PATTERN.test(alias)) {
    throw new RegistryError(`alias '${alias}' must be lower-case letters, digits, '-' or '_' (max 63)`, {
      reason: 'invalid input',
      field: 'alias',
    });
  }
}

async function lockModel(tx: RegistryTransaction, modelName: string): Promise<number> {
  const [model] = await tx.select({ id: models.id }).from(models).where(eq(models.name, modelName)).for('update');
  if (!model)
    throw new RegistryError(`model '${modelName}' not found in the registry`, { reason: 'not found', modelName });
  return model.id;
}

async function findVersionId(tx: RegistryTransaction, modelId: number, modelName: string, version: number) {
  const [row] = await tx
    .select({ id: modelVersions.id, archivedAt: modelVersions.archivedAt })
    .from(modelVersions)
    .where(and(eq(modelVersions.modelId, modelId), eq(modelVersions.version, version)));
  if (!row) {
    throw new RegistryError(`model '${modelName}' has no version ${version}`, {
      reason: 'not found',
      modelName,
      version,
    });
  }
  if (row.archivedAt) {
    throw new RegistryError(`model '${modelName}' version ${version} is archived and cannot take an alias`, {
      reason: 'archived',
      modelName,
      version,
    });
  }
  return row.id;
}

async function findAliasHolder(tx: RegistryTransaction, modelId: number, alias: string) {
  const [row] = await tx
    .select({ versionId: modelAliases.versionId, version: modelVersions.version })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
    .where(and(eq(modelAliases.modelId, modelId), eq(modelAliases.alias, alias)));
  return row;
}

interface Move {
  readonly modelId: number;
  readonly alias: string;
  readonly versionId: number;
  readonly fromVersionId: number | null;
  readonly actor: string;
}

async function moveAlias(tx: RegistryTransaction, move: Move): Promise<void> {
  const now = new Date();
  await tx
    .insert(modelAliases)
    .values({
      modelId: move.modelId,
      alias: move.alias,
      versionId: move.versionId,
      updatedAt: now,
      updatedBy: move.actor,
    })
    .onConflictDoUpdate({
      target: [modelAliases.modelId, modelAliases.alias],
      set: { versionId: move.versionId, updatedAt: now, updatedBy: move.actor },
    });
  await tx.insert(aliasHistory).values({
    modelId: move.modelId,
    alias: move.alias,
    fromVersionId: move.fromVersionId,
    toVersionId: move.versionId,
    actor: move.actor,
    movedAt: now,
  });
}

/** Input of {@link promoteIfBetter}. */
export interface PromotionInput {
  readonly modelName: string;
  readonly version: number;
  readonly alias: string;
  /** Top-level numeric metric compared, e.g. `studentMacroF1`; higher is better. */
  readonly metric: string;
  readonly actor: string;
}

/** What {@link promoteIfBetter} decided, and why. */
export interface PromotionDecision {
  readonly promoted: boolean;
  readonly reason: string;
  readonly candidate: { readonly version: number; readonly value: number | null };
  readonly incumbent: { readonly version: number; readonly value: number | null } | null;
}

/**
 * Moves `alias` to `version` when the version passed its gate and its `metric` is strictly higher
 * than that of the version the alias names (or no version holds the alias). Decided and written in
 * one transaction under the model row's lock, so concurrent promotions cannot interleave.
 * @throws RegistryError (reason 'not found') for an unknown model or version.
 */
export async function promoteIfBetter(registry: Registry, input: PromotionInput): Promise<PromotionDecision> {
  validateAlias(input.alias);
  requireText('actor', input.actor);
  return registry.db.transaction(async (tx) => {
    const modelId = await lockModel(tx, input.modelName);
    const candidateId = await findVersionId(tx, modelId, input.modelName, input.version);
    const candidate = await versionFigures(tx, candidateId, input.metric);
    const holder = await findAliasHolder(tx, modelId, input.alias);
    const incumbent = holder
      ? { version: holder.version, value: (await versionFigures(tx, holder.versionId, input.metric)).value }
      : null;
    const decide = (promoted: boolean, reason: string): PromotionDecision => ({
      promoted,
      reason,
      candidate: { version: input.version, value: candidate.value },
      incumbent,
    });

    if (!candidate.gatePassed) return decide(false, 'the version did not pass its quality gate');
    if (candidate.value === null) return decide(false, `the version has no numeric metric '${input.metric}'`);
    if (holder?.versionId === candidateId) return decide(false, `the version already holds '${input.alias}'`);
    if (incumbent && incumbent.value !== null && candidate.value <= incumbent.value) {
      return decide(
        false,
        `${input.metric} ${candidate.value} does not beat v${incumbent.version}'s ${incumbent.value}`,
      );
    }
    const move = { modelId, alias: input.alias, versionId: candidateId, actor: input.actor };
    await moveAlias(tx, { ...move, fromVersionId: holder?.versionId ?? null });
    return decide(true, incumbent ? `${input.metric} beats v${incumbent.version}` : `no version held '${input.alias}'`);
  });
}

async function versionFigures(tx: RegistryTransaction, versionId: number, metric: string) {
  const [row] = await tx
    .select({ metrics: modelVersions.metrics, gate: modelVersions.gate })
    .from(modelVersions)
    .where(eq(modelVersions.id, versionId));
  const value = row?.metrics[metric];
  return {
    gatePassed: row?.gate.passed === true,
    value: typeof value === 'number' && Number.isFinite(value) ? value : null,
  };
}
