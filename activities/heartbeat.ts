/** Heartbeats and cancellation for long activities. */
import { CancelledFailure, Context } from '@temporalio/activity';

import type { TrainingHeartbeat } from '../common/contracts';

/** Sends progress (throttled by the SDK) and throws if the run was cancelled meanwhile. */
export function beat(details: TrainingHeartbeat): void {
  const context = Context.current();
  context.heartbeat(details);
  if (context.cancellationSignal.aborted) throw new CancelledFailure('activity cancelled');
}

/** The details of the last heartbeat of a previous attempt, if this is a retry. */
export function lastHeartbeat(): TrainingHeartbeat | undefined {
  return Context.current().info.heartbeatDetails as TrainingHeartbeat | undefined;
}
