/** How the CLI reports a failed command: one line naming the error type and what to fix. */
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';

import { DistilleryError } from '../common/errors';

/** What a failed training run means for the user. */
const RUN_OUTCOME = 'the run failed and nothing was registered';

/**
 * A failed workflow other than a training run (e.g. batch prediction), with what its failure
 * means for the user, e.g. 'nothing was scored'; reported like a failed run.
 */
export class WorkflowCommandError extends Error {
  constructor(
    readonly failure: WorkflowFailedError,
    readonly outcome: string,
  ) {
    super(failure.message, { cause: failure });
  }
}

/**
 * One line for the user: `error [Type]: message (step …)`. A failed run's root cause is the
 * typed failure of the step that raised it; unknown errors keep their stack for bug reports.
 */
export function describeCliError(error: unknown): string {
  if (error instanceof DistilleryError) return `error [${error.type}]: ${error.message}`;
  if (error instanceof WorkflowFailedError) return describeRunFailure(error, RUN_OUTCOME);
  if (error instanceof WorkflowCommandError) return describeRunFailure(error.failure, error.outcome);
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function describeRunFailure(error: WorkflowFailedError, outcome: string): string {
  let step: string | undefined;
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    if (cause instanceof ActivityFailure) step = cause.activityType;
    if (cause instanceof ApplicationFailure && !(cause.cause instanceof ApplicationFailure)) {
      const where = step ? ` (step ${step})` : '';
      return `error [${cause.type ?? 'Error'}]: ${cause.message}${where}\n${outcome}`;
    }
    cause = cause.cause;
  }
  return `error: the run failed: ${error.cause?.message ?? error.message}`;
}
