/**
 * The registry's tables. Keys are camelCase in TypeScript and snake_case in SQL; migrations are
 * generated from this file by drizzle-kit (`npx drizzle-kit generate`) into `migrations/`.
 *
 * Lineage is explicit: a model version comes from exactly one run; a run has step executions;
 * each step execution reads and writes content-addressed artifacts through lineage events.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';

/** Lifecycle states of a pipeline run as the registry records them. */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
/** One of {@link RUN_STATUSES}. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Direction of a lineage event: the step read the artifact, or wrote it. */
export const LINEAGE_DIRECTIONS = ['input', 'output'] as const;
/** One of {@link LINEAGE_DIRECTIONS}. */
export type LineageDirection = (typeof LINEAGE_DIRECTIONS)[number];

/** Identity of the teacher a student was distilled from. */
export interface TeacherIdentity {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
}

/** Outcome of the quality gate; `passed` is required, the rest is the gate's own report. */
export type GateOutcome = { readonly passed: boolean } & Readonly<Record<string, unknown>>;

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Registered model names; `latestVersion` is the version counter, bumped under the row lock. */
export const models = pgTable('models', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  latestVersion: integer('latest_version').notNull().default(0),
  createdAt: createdAt(),
});

/**
 * Pipeline runs, keyed by `${workflowId}/${temporalRunId}`. Columns describing inputs are
 * nullable because a run that failed early may be recorded before they are known.
 */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull(),
    temporalRunId: text('temporal_run_id').notNull(),
    modelName: text('model_name').notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull(),
    config: jsonb('config').$type<Record<string, unknown>>(),
    configHash: text('config_hash'),
    datasetUri: text('dataset_uri'),
    datasetSha256: text('dataset_sha256'),
    codeVersion: text('code_version'),
    triggeredBy: text('triggered_by'),
    startedAt: instant('started_at').notNull().defaultNow(),
    finishedAt: instant('finished_at'),
  },
  (t) => [
    index('runs_model_name_idx').on(t.modelName),
    check('runs_status_check', sql`${t.status} in ('running', 'succeeded', 'failed', 'cancelled')`),
  ],
);

/** Versions of a model. Each comes from exactly one run (unique `run_id`: retries are idempotent). */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'restrict' }),
    version: integer('version').notNull(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'restrict' }),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull(),
    gate: jsonb('gate').$type<GateOutcome>().notNull(),
    studentUri: text('student_uri').notNull(),
    studentSha256: text('student_sha256').notNull(),
    teacher: jsonb('teacher').$type<TeacherIdentity>().notNull(),
    features: jsonb('features').$type<unknown>().notNull(),
    configHash: text('config_hash').notNull(),
    datasetSha256: text('dataset_sha256').notNull(),
    createdAt: createdAt(),
    /** Set when the version was archived: it can no longer take an alias or serve predictions. */
    archivedAt: instant('archived_at'),
    archivedBy: text('archived_by'),
  },
  (t) => [
    unique('model_versions_model_id_version_unique').on(t.modelId, t.version),
    unique('model_versions_run_id_unique').on(t.runId),
  ],
);

/** One row per step a run executed, with its parameters and small JSON summary. */
export const stepExecutions = pgTable(
  'step_executions',
  {
    id: serial('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    step: text('step').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    summary: jsonb('summary').$type<Record<string, unknown>>().notNull(),
    startedAt: instant('started_at').notNull(),
    finishedAt: instant('finished_at').notNull(),
  },
  (t) => [unique('step_executions_run_id_step_unique').on(t.runId, t.step)],
);

/** Content-addressed artifacts: one row per distinct SHA-256, whoever wrote it first. */
export const artifacts = pgTable('artifacts', {
  sha256: text('sha256').primaryKey(),
  uri: text('uri').notNull(),
  kind: text('kind').notNull(),
  bytes: bigint('bytes', { mode: 'number' }).notNull(),
  createdAt: createdAt(),
});

/** A step execution read (`input`) or wrote (`output`) an artifact under an input/output key. */
export const lineageEvents = pgTable(
  'lineage_events',
  {
    id: serial('id').primaryKey(),
    stepExecutionId: integer('step_execution_id')
      .notNull()
      .references(() => stepExecutions.id, { onDelete: 'cascade' }),
    artifactSha256: text('artifact_sha256')
      .notNull()
      .references(() => artifacts.sha256, { onDelete: 'restrict' }),
    direction: text('direction', { enum: LINEAGE_DIRECTIONS }).notNull(),
    name: text('name').notNull(),
  },
  (t) => [
    unique('lineage_events_step_direction_name_unique').on(t.stepExecutionId, t.direction, t.name),
    index('lineage_events_artifact_idx').on(t.artifactSha256),
    check('lineage_events_direction_check', sql`${t.direction} in ('input', 'output')`),
  ],
);

/** The version each alias of a model points at; one holder per (model, alias). */
export const modelAliases = pgTable(
  'model_aliases',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'restrict' }),
    alias: text('alias').notNull(),
    versionId: integer('version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'restrict' }),
    updatedAt: instant('updated_at').notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [unique('model_aliases_model_id_alias_unique').on(t.modelId, t.alias)],
);

/** Append-only record of alias moves; `fromVersionId` is null for the first assignment. */
export const aliasHistory = pgTable(
  'alias_history',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'restrict' }),
    alias: text('alias').notNull(),
    fromVersionId: integer('from_version_id').references(() => modelVersions.id, { onDelete: 'restrict' }),
    toVersionId: integer('to_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'restrict' }),
    actor: text('actor').notNull(),
    movedAt: instant('moved_at').notNull().defaultNow(),
  },
  (t) => [index('alias_history_model_alias_idx').on(t.modelId, t.alias)],
);

/** Roles of API keys, least privileged first; each role may do everything the ones before it may. */
export const API_ROLES = ['viewer', 'operator', 'admin'] as const;
/** One of {@link API_ROLES}. */
export type ApiRole = (typeof API_ROLES)[number];

/** API keys. Only the SHA-256 of a key is stored; the key itself is shown once, at creation. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull().unique(),
    role: text('role', { enum: API_ROLES }).notNull(),
    keyHash: text('key_hash').notNull().unique(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    revokedAt: instant('revoked_at'),
  },
  (t) => [check('api_keys_role_check', sql`${t.role} in ('viewer', 'operator', 'admin')`)],
);

/**
 * Append-only log of every mutation made through the API: who, what, when, and the request id.
 * A trigger (migration 0002) rejects UPDATE and DELETE, so not even the API's own role can edit it.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: serial('id').primaryKey(),
    at: instant('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    role: text('role'),
    action: text('action').notNull(),
    target: text('target').notNull(),
    requestId: text('request_id').notNull(),
    statusCode: integer('status_code').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_actor_idx').on(t.actor)],
);

/** Uploaded datasets, content-addressed: one row per distinct SHA-256, with the data profile. */
export const datasets = pgTable('datasets', {
  sha256: text('sha256').primaryKey(),
  name: text('name').notNull(),
  uri: text('uri').notNull(),
  bytes: bigint('bytes', { mode: 'number' }).notNull(),
  profile: jsonb('profile').$type<Record<string, unknown>>().notNull(),
  uploadedBy: text('uploaded_by').notNull(),
  createdAt: createdAt(),
});
