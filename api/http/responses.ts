/**
 * Schemas of the API's answers, for the OpenAPI document. Each is checked at compile time against
 * the TypeScript type the route returns (`documents<T>()`), so the document cannot drift from the code.
 */
import { z } from 'zod';

import { ARTIFACT_KINDS } from '../../common/constants';
import type { AuditEntry } from '../../registry/audit';
import type { RunSummary } from '../../registry/runs';
import type { DatasetRecord, DatasetWithProfile } from '../../registry/datasets';
import type { LineageGraph } from '../../registry/lineage-graph';
import type { ApiKeySummary, CreatedApiKey } from '../../registry/keys';
import type { AliasMove, ModelLineage, ModelVersionSummary } from '../../registry/types';
import type { AliasHistoryEntry, ModelSummary, ModelVersionDetail } from '../../registry/versions';
import type { BatchPredictView, StartedBatchPredict } from '../models/batch-predict';
import type { PredictResponse } from '../models/predict';
import type { RunView, StartedRun } from '../runs/run-request';
import type { ScheduleView } from '../schedules/schedule-request';
import { openApiResponseSchema } from './validation';

/** A schema whose output is assignable to `T`: `documents<RunView>()(schema)`. */
function documents<T>() {
  return <S extends z.ZodType<T>>(schema: S): Record<string, unknown> => openApiResponseSchema(schema);
}

const instant = z.string().describe('ISO 8601 instant');
const role = z.enum(['viewer', 'operator', 'admin']);

/** Body of every 4xx/5xx: status, error name, message, and the field at fault when there is one. */
export const ERROR_SCHEMA = openApiResponseSchema(
  z.object({
    statusCode: z.number().int(),
    error: z.string().describe('ValidationError, NoWorker, RegistryError, Forbidden, …'),
    message: z.string(),
    field: z.string().optional().describe('The request field at fault (dotted path).'),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
);

export const STARTED_RUN = documents<StartedRun>()(
  z.object({
    runId: z.string().describe('Workflow id; the run’s id in this API.'),
    temporalRunId: z.string(),
    modelName: z.string(),
    status: z.literal('running'),
    retryOf: z.string().optional(),
  }),
);

export const RUN_SUMMARIES = documents<RunSummary[]>()(
  z.array(
    z.object({
      id: z.string().describe('`${workflowId}/${temporalRunId}`'),
      workflowId: z.string().describe('The run’s id in this API.'),
      temporalRunId: z.string(),
      modelName: z.string(),
      status: z.enum(['running', 'succeeded', 'failed', 'cancelled']).describe('As the registry recorded it.'),
      triggeredBy: z.string().nullable(),
      datasetSha256: z.string().nullable(),
      startedAt: instant,
      finishedAt: instant.nullable(),
    }),
  ),
);

export const RUN_VIEW = documents<RunView>()(
  z.object({
    runId: z.string(),
    temporalRunId: z.string(),
    modelName: z.string().nullable(),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']),
    triggeredBy: z.string().nullable(),
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
    currentStep: z.string(),
    steps: z.array(
      z.object({
        step: z.enum([
          'clean',
          'dedupe',
          'standardize',
          'selectFeatures',
          'loadTeacher',
          'distill',
          'evaluate',
          'register',
        ]),
        status: z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']),
        summary: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
    version: z.number().int().nullable().describe('The version the run registered.'),
    failure: z.object({ message: z.string(), type: z.string().nullable() }).nullable(),
  }),
);

export const MODEL_SUMMARIES = documents<ModelSummary[]>()(
  z.array(
    z.object({
      name: z.string(),
      latestVersion: z.number().int(),
      createdAt: instant,
      aliases: z.record(z.string(), z.number().int()).describe('alias → version'),
    }),
  ),
);

export const VERSION_SUMMARIES = documents<ModelVersionSummary[]>()(
  z.array(
    z.object({
      modelName: z.string(),
      version: z.number().int(),
      createdAt: instant,
      metrics: z.record(z.string(), z.number()).describe('Top-level numeric metrics, e.g. studentMacroF1.'),
      gatePassed: z.boolean(),
      runId: z.string(),
      datasetSha256: z.string(),
    }),
  ),
);

export const ALIAS_MOVE = documents<AliasMove>()(
  z.object({
    modelName: z.string(),
    alias: z.string(),
    version: z.number().int(),
    previousVersion: z.number().int().nullable(),
    changed: z.boolean().describe('False when the alias already named the version: nothing was written.'),
  }),
);

export const PREDICT_RESPONSE = documents<PredictResponse>()(
  z.object({
    modelName: z.string(),
    version: z.number().int(),
    predictions: z.array(
      z.object({
        label: z.string().describe('Decided class (stored threshold applied).'),
        probabilities: z.record(z.string(), z.number()).describe('Calibrated probability per class.'),
      }),
    ),
    warnings: z.array(z.object({ record: z.number().int(), column: z.string(), message: z.string() })),
  }),
);

export const BATCH_PREDICT_STARTED = documents<StartedBatchPredict>()(
  z.object({
    workflowId: z.string().describe('Id of the batch-prediction workflow: follow it with GET …/batch-predict/:id.'),
    modelName: z.string(),
    version: z.number().int().describe('The version scoring the file, resolved from `version`, `alias` or latest.'),
    status: z.literal('running'),
  }),
);

export const BATCH_PREDICT_VIEW = documents<BatchPredictView>()(
  z.object({
    workflowId: z.string(),
    modelName: z.string(),
    version: z.number().int(),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'terminated', 'timed_out']),
    startedAt: instant,
    finishedAt: instant.nullable(),
    result: z
      .object({
        modelName: z.string(),
        version: z.number().int(),
        rows: z.number().int().describe('Rows scored.'),
        classes: z.array(z.string()),
        predicted: z.record(z.string(), z.number().int()).describe('Rows decided as each class.'),
        predictions: z
          .object({
            uri: z.string(),
            sha256: z.string(),
            kind: z.enum(ARTIFACT_KINDS),
            bytes: z.number().int(),
          })
          .describe('Parquet artifact: row_id, label, p_<class> per class.'),
      })
      .nullable()
      .describe('Once succeeded.'),
    failure: z.object({ message: z.string(), type: z.string().nullable() }).nullable(),
  }),
);

export const SCHEDULE_VIEW = documents<ScheduleView>()(
  z.object({
    scheduleId: z.string(),
    cron: z.array(z.string()),
    paused: z.boolean(),
    overlap: z.string().nullable(),
    catchupWindowSeconds: z.number().int().nullable(),
    workflowType: z.string().nullable(),
    autoPromote: z.object({ alias: z.string(), metric: z.string() }).nullable(),
    nextRuns: z.array(instant),
    recentRuns: z.array(z.object({ runId: z.string(), scheduledAt: instant, startedAt: instant })),
    actionsTaken: z.number().int().nullable(),
  }),
);

const datasetRecord = z.object({
  sha256: z.string().describe('SHA-256 of the bytes: the dataset’s id.'),
  name: z.string(),
  uri: z.string(),
  bytes: z.number().int(),
  uploadedBy: z.string(),
  createdAt: instant,
});

export const DATASETS = documents<DatasetRecord[]>()(z.array(datasetRecord));

export const UPLOADED_DATASET = openApiResponseSchema(
  datasetRecord.extend({
    created: z.boolean().describe('False when the same bytes were uploaded before.'),
    rows: z.number().int(),
    columns: z.array(z.string()),
  }),
);

export const AUDIT_ENTRIES = documents<AuditEntry[]>()(
  z.array(
    z.object({
      id: z.number().int(),
      at: instant,
      actor: z.string().describe('`key:<name>`, or `anonymous` before authentication.'),
      role: z.string().nullable(),
      action: z.string().describe('`METHOD /route/pattern`'),
      target: z.string(),
      requestId: z.string(),
      statusCode: z.number().int(),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
);

export const API_KEYS = documents<ApiKeySummary[]>()(
  z.array(
    z.object({
      keyId: z.number().int(),
      name: z.string(),
      role,
      createdBy: z.string(),
      createdAt: instant,
      revokedAt: instant.nullable(),
    }),
  ),
);

export const CREATED_KEY = documents<CreatedApiKey>()(
  z.object({
    keyId: z.number().int(),
    name: z.string(),
    role,
    key: z.string().describe('The key itself: shown in this answer only.'),
  }),
);

export const DATASET_WITH_PROFILE = documents<DatasetWithProfile>()(
  datasetRecord.extend({
    profile: z
      .record(z.string(), z.unknown())
      .describe('`{ rows, columns: [{ name, type, missing, stats, anomalies }] }`'),
  }),
);

export const CANCELLING = documents<{ runId: string; status: 'cancelling' }>()(
  z.object({ runId: z.string(), status: z.literal('cancelling') }),
);

export const TRIGGERED = documents<{ scheduleId: string; triggered: true }>()(
  z.object({ scheduleId: z.string(), triggered: z.literal(true) }),
);

const teacher = z.object({ name: z.string(), version: z.string(), sha256: z.string() });
const gate = z
  .object({ passed: z.boolean() })
  .catchall(z.unknown())
  .describe('The quality gate’s decision and report.');

export const VERSION_DETAIL = documents<ModelVersionDetail>()(
  z.object({
    modelName: z.string(),
    version: z.number().int(),
    createdAt: instant,
    runId: z.string(),
    metrics: z.record(z.string(), z.unknown()),
    gate,
    teacher,
    student: z.object({ uri: z.string(), sha256: z.string() }),
    datasetSha256: z.string(),
    configHash: z.string(),
    aliases: z.array(z.string()),
    archivedAt: instant.nullable(),
    archivedBy: z.string().nullable(),
    artifacts: z.array(
      z.object({
        step: z.string(),
        name: z.string(),
        kind: z.string(),
        uri: z.string(),
        sha256: z.string(),
        bytes: z.number().int(),
      }),
    ),
  }),
);

const lineageArtifact = z.object({
  name: z.string(),
  kind: z.string(),
  uri: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
});

export const LINEAGE = documents<ModelLineage & { graph: LineageGraph }>()(
  z.object({
    modelName: z.string(),
    version: z.number().int(),
    createdAt: instant,
    run: z.object({
      id: z.string(),
      workflowId: z.string(),
      temporalRunId: z.string(),
      status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
      triggeredBy: z.string().nullable(),
      startedAt: instant,
      finishedAt: instant.nullable(),
      config: z.record(z.string(), z.unknown()).nullable(),
    }),
    dataset: z.object({ uri: z.string().nullable(), sha256: z.string() }),
    teacher,
    student: z.object({ uri: z.string(), sha256: z.string() }),
    configHash: z.string(),
    codeVersion: z.string().nullable(),
    features: z.unknown(),
    metrics: z.record(z.string(), z.unknown()),
    gate,
    steps: z.array(
      z.object({
        step: z.string(),
        params: z.record(z.string(), z.unknown()),
        summary: z.record(z.string(), z.unknown()),
        startedAt: instant,
        finishedAt: instant,
        inputs: z.array(lineageArtifact),
        outputs: z.array(lineageArtifact),
      }),
    ),
    graph: z
      .object({
        nodes: z.array(
          z.object({
            id: z.string(),
            type: z.enum(['dataset', 'step', 'artifact', 'teacher', 'version']),
            label: z.string(),
            attributes: z.record(z.string(), z.unknown()),
          }),
        ),
        edges: z.array(
          z.object({
            from: z.string(),
            to: z.string(),
            relation: z.enum(['input', 'output', 'teacher', 'registered']),
            name: z.string().optional(),
          }),
        ),
      })
      .describe('dataset → steps → artifacts → version; acyclic.'),
  }),
);

export const ALIASES = documents<{ aliases: Record<string, number>; history: AliasHistoryEntry[] }>()(
  z.object({
    aliases: z.record(z.string(), z.number().int()).describe('alias → version'),
    history: z.array(
      z.object({
        alias: z.string(),
        fromVersion: z.number().int().nullable(),
        toVersion: z.number().int(),
        actor: z.string(),
        movedAt: instant,
      }),
    ),
  }),
);
