/**
 * Batch prediction: scores a CSV file with a registered model version and stores the
 * predictions as a Parquet artifact. One activity on the CPU queue does the work (the student
 * needs no ML backend); the workflow makes it durable and retried like every data step.
 */
import { proxyActivities } from '@temporalio/workflow';

import type { CpuActivities } from '../activities';
import type { BatchPredictInput, BatchPredictSummary } from '../activities/batch-predict';
import type { ArtifactRef } from '../common/contracts';
import { DATA_STEP } from './options';

const data = proxyActivities<CpuActivities>(DATA_STEP);

/** Result of the batch-prediction workflow: where the predictions are, and what was scored. */
export interface BatchPredictResult extends BatchPredictSummary {
  readonly predictions: ArtifactRef;
}

/** Scores `input.dataPath` with `input.model` and returns the predictions artifact. */
export async function batchPredictWorkflow(input: BatchPredictInput): Promise<BatchPredictResult> {
  const { outputs, summary } = await data.batchPredict(input);
  return { ...summary, predictions: outputs.predictions! };
}
