/** The body and answers of `POST /models/:name/batch-predict` and `GET /models/:name/batch-predict/:workflowId`. */
import { z } from 'zod';

import type { WorkflowFailure, LiveStatus } from '../temporal/workflow-status';
import type { BatchPredictResult } from '../../workflows/batch-predict';

const SHA256 = /^[0-9a-f]{64}$/;

/** Body of `POST /models/:name/batch-predict`. */
export const startBatchPredictSchema = z
  .object({
    version: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Score with this version. Default (with no alias either): the latest version.'),
    alias: z.string().min(1).optional().describe('Score with the version this alias names, e.g. production.'),
    data: z
      .string()
      .min(1)
      .optional()
      .describe('A CSV file of the data folder, relative to it; it may not leave it. Alternative to `dataset`.'),
    dataset: z
      .string()
      .regex(SHA256, 'a lower-case hex SHA-256')
      .optional()
      .describe('An uploaded dataset (see POST /datasets). Alternative to `data`.'),
    idColumn: z
      .string()
      .min(1)
      .optional()
      .describe('Column whose values identify the rows in the predictions. Default: the 0-based row number.'),
  })
  .refine((body) => (body.data === undefined) !== (body.dataset === undefined), {
    message: 'give exactly one of data and dataset',
    path: ['data'],
  })
  .refine((body) => body.alias === undefined || body.version === undefined, {
    message: 'give alias or version, not both',
    path: ['version'],
  });
/** A validated {@link startBatchPredictSchema} body. */
export type StartBatchPredictRequest = z.output<typeof startBatchPredictSchema>;

/** Answer of `POST /models/:name/batch-predict`: the workflow to follow, and the version it scores with. */
export interface StartedBatchPredict {
  readonly workflowId: string;
  readonly modelName: string;
  readonly version: number;
  readonly status: 'running';
}

/** Answer of `GET /models/:name/batch-predict/:workflowId`. */
export interface BatchPredictView {
  readonly workflowId: string;
  readonly modelName: string;
  readonly version: number;
  readonly status: LiveStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** Once succeeded: the predictions artifact, rows scored, classes and rows decided as each class. */
  readonly result: BatchPredictResult | null;
  readonly failure: WorkflowFailure | null;
}
