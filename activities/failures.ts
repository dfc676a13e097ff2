/** Turns typed Distillery errors into non-retryable Temporal failures carrying their type. */
import { ApplicationFailure } from '@temporalio/common';

import { DistilleryError, NON_RETRYABLE_ERROR_TYPES } from '../common/errors';

const NON_RETRYABLE = new Set<string>(NON_RETRYABLE_ERROR_TYPES);

/** Runs an activity body; a typed error becomes a failure whose `type` callers can match on. */
export async function asStep<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof DistilleryError && NON_RETRYABLE.has(error.type)) {
      throw ApplicationFailure.create({
        message: error.message,
        type: error.type,
        nonRetryable: true,
        details: [error.details],
        cause: error,
      });
    }
    throw error;
  }
}
