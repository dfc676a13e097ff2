/** A workflow's status and failure as the run and batch-prediction routes answer them. */
import type { WorkflowHandle } from '@temporalio/client';

/** Status of a workflow as Temporal reports it, in lower case. */
export type LiveStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

const LIVE_STATUS: Readonly<Record<string, LiveStatus>> = {
  RUNNING: 'running',
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

/** The lower-case status of Temporal's execution status name (`COMPLETED` → `succeeded`); unknown → failed. */
export function liveStatus(name: string): LiveStatus {
  return LIVE_STATUS[name] ?? 'failed';
}

/** Why a workflow failed: the message and type (e.g. `SplitError`) of the innermost cause. */
export interface WorkflowFailure {
  readonly message: string;
  readonly type: string | null;
}

/**
 * Why a workflow failed: the deepest failure in its error's cause chain that carries a type (the
 * typed failure an activity raised, e.g. `InvalidConfig`), else the innermost cause, untyped. The
 * original error an activity wraps arrives below it without a type, so it is not the one reported.
 */
export async function failureOf(handle: WorkflowHandle): Promise<WorkflowFailure> {
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  let cause: unknown = error;
  let typed: { message: string; type: string } | undefined;
  for (;;) {
    const type = (cause as { type?: unknown } | undefined)?.type;
    if (cause instanceof Error && typeof type === 'string') typed = { message: cause.message, type };
    if (!(cause instanceof Error && cause.cause instanceof Error)) break;
    cause = cause.cause;
  }
  if (typed) return typed;
  return { message: cause instanceof Error ? cause.message : String(error), type: null };
}
