/** Requests and responses of the `/runs` routes. */
import { z } from 'zod';

import { CPU_TASK_QUEUE, type StepName } from '../../common/constants';
import { RUN_STATUSES } from '../../registry/schema';
import type { LiveStatus } from '../temporal/workflow-status';

const SHA256 = /^[0-9a-f]{64}$/;

/** Body of `POST /runs`. */
export const startRunSchema = z
  .object({
    datasetSha256: z
      .string()
      .regex(SHA256, 'a lower-case hex SHA-256')
      .optional()
      .describe('An uploaded dataset (see POST /datasets). Alternative to `config.dataPath`.'),
    config: z
      .record(z.string(), z.unknown())
      .describe(
        'The run configuration (label, text, features, modelName, student, distillation, …; defaults apply). ' +
          '`dataPath` is relative to the data folder and may not leave it.',
      ),
    taskQueue: z
      .string()
      .min(1)
      .default(CPU_TASK_QUEUE)
      .describe(`Task queue of the pipeline workflow. Default ${CPU_TASK_QUEUE}; a queue no worker polls is a 409.`),
  })
  .refine((body) => (body.datasetSha256 === undefined) !== (typeof body.config.dataPath !== 'string'), {
    message: 'give exactly one of datasetSha256 and config.dataPath',
    path: ['datasetSha256'],
  });
/** A validated {@link startRunSchema} body. */
export type StartRunRequest = z.output<typeof startRunSchema>;

/** Query of `GET /runs`. */
export const listRunsSchema = z.object({
  model: z.string().min(1).optional().describe('Only runs of this model.'),
  status: z.enum(RUN_STATUSES).optional().describe('Only runs in this status (as the registry recorded it).'),
  triggeredBy: z.string().min(1).optional().describe('Only runs started by this actor, e.g. `key:ops`.'),
  since: z.iso.datetime({ offset: true }).optional().describe('Only runs started at or after this ISO instant.'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Most runs returned. Default 50.'),
});

/** Status of a run as Temporal reports it, in lower case. */
export type LiveRunStatus = LiveStatus;

/** Status of one pipeline step within a run. */
export interface StepStatus {
  readonly step: StepName;
  readonly status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  readonly summary?: Readonly<Record<string, unknown>>;
}

/** Answer of `POST /runs` and `POST /runs/:id/retry`. */
export interface StartedRun {
  readonly runId: string;
  readonly temporalRunId: string;
  readonly modelName: string;
  readonly status: 'running';
  readonly retryOf?: string;
}

/** Answer of `GET /runs/:id`. */
export interface RunView {
  readonly runId: string;
  readonly temporalRunId: string;
  readonly modelName: string | null;
  readonly status: LiveRunStatus;
  readonly triggeredBy: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly currentStep: string;
  readonly steps: readonly StepStatus[];
  readonly version: number | null;
  readonly failure: { readonly message: string; readonly type: string | null } | null;
}
