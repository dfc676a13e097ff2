/**
 * Activities grouped by task queue. The CPU worker hosts the data steps and registration; the
 * accelerator worker hosts the teacher, training and evaluation, which own the ML backend.
 */
import { createBatchPredictActivities } from './batch-predict';
import { createDataActivities } from './data';
import type { ActivityDeps } from './deps';
import { createEvaluationActivities } from './evaluation';
import { createPromotionActivities } from './promotion';
import { createRegistryActivities } from './registration';
import { createTeacherActivities } from './teacher';
import { createTrainingActivities } from './training';

/** Activities of the CPU task queue. */
export function createCpuActivities(deps: ActivityDeps) {
  return {
    ...createDataActivities(deps),
    ...createRegistryActivities(deps),
    ...createPromotionActivities(deps),
    ...createBatchPredictActivities(deps),
  };
}

/** Activities of the accelerator task queue. */
export function createAcceleratorActivities(deps: ActivityDeps) {
  return { ...createTeacherActivities(deps), ...createTrainingActivities(deps), ...createEvaluationActivities(deps) };
}

export type CpuActivities = ReturnType<typeof createCpuActivities>;
export type AcceleratorActivities = ReturnType<typeof createAcceleratorActivities>;
export type { ActivityDeps } from './deps';
