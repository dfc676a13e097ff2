/** Builds the two workers: one per task queue. */
import { type NativeConnection, Worker } from '@temporalio/worker';

import { createAcceleratorActivities, createCpuActivities, type ActivityDeps } from '../activities';
import { ACCELERATOR_TASK_QUEUE, CPU_TASK_QUEUE } from '../common/constants';
import { initBackend } from '../core/ml/backend';

/** Where a worker connects. */
export interface WorkerTarget {
  readonly connection: NativeConnection;
  readonly namespace: string;
}

/** The CPU worker: hosts the pipeline workflow, the data steps and registration. */
export async function createCpuWorker(target: WorkerTarget, deps: ActivityDeps): Promise<Worker> {
  return Worker.create({
    ...target,
    taskQueue: CPU_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
    activities: createCpuActivities(deps),
    maxConcurrentActivityTaskExecutions: 2,
  });
}

/**
 * The accelerator worker: hosts the teacher, training and evaluation. It initialises the ML
 * backend before polling, so a worker whose backend cannot start never takes a task.
 */
export async function createAcceleratorWorker(target: WorkerTarget, deps: ActivityDeps): Promise<Worker> {
  await initBackend();
  return Worker.create({
    ...target,
    taskQueue: ACCELERATOR_TASK_QUEUE,
    activities: createAcceleratorActivities(deps),
    // One training job at a time: they share the backend and compete for the same cores.
    maxConcurrentActivityTaskExecutions: 1,
    // Progress (rows embedded, epoch, loss) reaches the server, and so the CLI, every two seconds.
    maxHeartbeatThrottleInterval: '2 seconds',
  });
}
