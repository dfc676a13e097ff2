/** Activity option profiles: short data steps, long heartbeating training steps, registration. */
import type { ActivityOptions } from '@temporalio/workflow';

import { ACCELERATOR_TASK_QUEUE, CPU_TASK_QUEUE } from '../common/constants';
import { NON_RETRYABLE_ERROR_TYPES } from '../common/errors';

/** Error types a retry cannot fix (matched on the failure's `type`). */
const NON_RETRYABLE_TYPES = [...NON_RETRYABLE_ERROR_TYPES];

/**
 * How long an activity may wait for a worker of its queue. Past it the step fails with a message
 * naming the queue, instead of waiting for hours for a worker that never comes.
 */
export const SCHEDULE_TO_START = '5 minutes';

/** Data steps on the CPU queue: minutes of work, retried a few times on crashes. */
export const DATA_STEP: ActivityOptions = {
  taskQueue: CPU_TASK_QUEUE,
  startToCloseTimeout: '30 minutes',
  scheduleToStartTimeout: SCHEDULE_TO_START,
  retry: { maximumAttempts: 3, initialInterval: '1s', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
};

/**
 * Teacher, training and evaluation on the accelerator queue. They heartbeat at least every few
 * seconds, so a dead worker is noticed within the heartbeat timeout and the retry resumes from
 * the checkpoint named in the last heartbeat.
 */
export const TRAINING_STEP: ActivityOptions = {
  taskQueue: ACCELERATOR_TASK_QUEUE,
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  scheduleToStartTimeout: SCHEDULE_TO_START,
  retry: { maximumAttempts: 5, initialInterval: '2s', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
};

/** Registration: a short transaction, retried patiently (the database may be restarting). */
export const REGISTER_STEP: ActivityOptions = {
  taskQueue: CPU_TASK_QUEUE,
  startToCloseTimeout: '2 minutes',
  scheduleToStartTimeout: SCHEDULE_TO_START,
  retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '30s' },
};
