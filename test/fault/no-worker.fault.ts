/**
 * Scenario 6: a run whose training steps are routed to a task queue no worker serves (only the
 * CPU worker runs). It must fail within minutes (the schedule-to-start timeout of
 * workflows/options.ts), with a typed failure naming the queue, and be recorded as failed.
 */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';

import { ACCELERATOR_TASK_QUEUE } from '../../common/constants';
import { SCHEDULE_TO_START } from '../../workflows/options';
import { recordEvidence } from './support/evidence';
import { Stack } from './support/stack';

const MODEL = 'no-worker';

describe('scenario 6: a task queue without workers', () => {
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await Stack.start('no-worker', { workers: ['cpu'] });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('fails the run with a NoWorker failure naming the accelerator queue', async () => {
    const startedAt = Date.now();
    const handle = await stack.startRun(stack.config(MODEL));
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    const minutes = (Date.now() - startedAt) / 60_000;
    const failure = error instanceof WorkflowFailedError ? error.cause : undefined;
    const typed = failure instanceof ApplicationFailure ? failure : undefined;
    const statuses = await stack.runStatuses(MODEL);
    const versions = await stack.versions(MODEL);
    const survived =
      typed?.type === 'NoWorker' &&
      typed.message.includes(ACCELERATOR_TASK_QUEUE) &&
      statuses.join() === 'failed' &&
      versions.length === 0;
    await recordEvidence({
      id: '6-no-worker',
      scenario: 'Task queue with no worker',
      broken:
        `no worker on ${ACCELERATOR_TASK_QUEUE}; only the CPU worker runs ` +
        `(schedule-to-start ${SCHEDULE_TO_START})`,
      outcome:
        `run failed after ${minutes.toFixed(1)} min: ` +
        `${typed?.type ?? 'untyped'}: "${typed?.message ?? String(error)}"`,
      trials: 1,
      survived: survived ? 1 : 0,
      seconds: Math.round((Date.now() - started) / 1000),
      details: [
        { minutes: Number(minutes.toFixed(2)), type: typed?.type, message: typed?.message, statuses, versions },
      ],
    });
    expect(typed?.type).toBe('NoWorker');
    expect(typed?.message).toContain(ACCELERATOR_TASK_QUEUE);
    expect(statuses).toEqual(['failed']);
    expect(versions).toEqual([]);
  });
});
