/**
 * Scheduled retraining with auto-promotion: the pipeline runs as a child workflow (its own history,
 * unchanged), then the new version is promoted to an alias when it passed its gate and beats the
 * version the alias names. Schedules without auto-promotion start the pipeline directly.
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

import type { CpuActivities } from '../activities';
import type { PromotionDecision } from '../activities/promotion';
import type { PipelineInput, PipelineResult } from '../common/contracts';
import { REGISTER_STEP } from './options';
import { pipelineWorkflow } from './pipeline';

const registry = proxyActivities<CpuActivities>(REGISTER_STEP);

/** Input of {@link scheduledTrainingWorkflow}. */
export interface ScheduledTrainingInput {
  readonly pipeline: PipelineInput;
  readonly scheduleId: string;
  /** Alias to promote to and the metric (higher is better) a new version must beat. */
  readonly autoPromote: { readonly alias: string; readonly metric: string };
}

/** Result: the pipeline's result and the promotion decision with its reason. */
export interface ScheduledTrainingResult {
  readonly run: PipelineResult;
  readonly promotion: PromotionDecision;
}

/** Runs the pipeline, then promotes its version when it is better. */
export async function scheduledTrainingWorkflow(input: ScheduledTrainingInput): Promise<ScheduledTrainingResult> {
  const run = await executeChild(pipelineWorkflow, {
    args: [input.pipeline],
    workflowId: `${workflowInfo().workflowId}-pipeline`,
  });
  const promotion = await registry.promoteIfBetter({
    modelName: run.modelName,
    version: run.version,
    ...input.autoPromote,
    actor: `schedule:${input.scheduleId}`,
  });
  return { run, promotion };
}
