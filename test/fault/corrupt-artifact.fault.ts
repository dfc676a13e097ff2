/**
 * Scenario 8: an artifact is corrupted on disk between two steps. The next step that reads it must
 * fail with a non-retryable IntegrityError naming the artifact, and compute nothing on it: no
 * further artifact, no version, the run recorded as failed.
 */
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

import type { ArtifactRef, StepResult } from '../../common/contracts';
import { recordEvidence } from './support/evidence';
import { waitFor } from './support/processes';
import { Stack } from './support/stack';

/** How each trial damages which output of `standardize`, read next by `loadTeacher`. */
const DAMAGE = [
  { output: 'standardized', how: 'one byte flipped in the middle', damage: flipMiddleByte },
  { output: 'transform', how: 'truncated to half its length', damage: truncateHalf },
] as const;

describe('scenario 8: an artifact corrupted on disk', () => {
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await Stack.start('corrupt', { workers: ['cpu'] });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('fails the reading step with an IntegrityError naming the artifact', async () => {
    const details: Record<string, unknown>[] = [];
    for (const trial of DAMAGE) details.push(await corruptTrial(stack, trial));
    await recordEvidence({
      id: '8-corrupt-artifact',
      scenario: 'Artifact corrupted on disk',
      broken:
        'outputs of standardize damaged before loadTeacher reads them: ' +
        DAMAGE.map((d) => `${d.output} (${d.how})`).join(', '),
      outcome:
        'loadTeacher failed on its first attempt with IntegrityError naming the artifact URI and both hashes; ' +
        'no teacher artifact, no version, run recorded as failed',
      trials: details.length,
      survived: details.filter((d) => d.survived).length,
      seconds: Math.round((Date.now() - started) / 1000),
      details,
    });
    expect(details.map((d) => d.survived)).toEqual(details.map(() => true));
  });
});

async function corruptTrial(stack: Stack, trial: (typeof DAMAGE)[number]) {
  const modelName = `corrupt-${trial.output.toLowerCase()}`;
  const handle = await stack.startRun(stack.config(modelName));
  // No accelerator worker yet: the run waits at loadTeacher while the artifact is damaged.
  await waitFor(
    'standardize to finish',
    async () => {
      const { progress } = await stack.snapshot(handle);
      return progress.completed.includes('selectFeatures') ? true : undefined;
    },
    300_000,
  );
  const target = (await completedOutputs(handle, 'standardize'))[trial.output]!;
  await trial.damage(fileURLToPath(target.uri));
  const accelerator = await stack.startWorker('accelerator');
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  await accelerator.stop('SIGTERM');
  const activity = error instanceof WorkflowFailedError ? error.cause : undefined;
  const failure = activity instanceof ActivityFailure ? activity.cause : undefined;
  const typed = failure instanceof ApplicationFailure ? failure : undefined;
  const teacherOutputs = await completedOutputs(handle, 'loadTeacher');
  const versions = await stack.versions(modelName);
  const statuses = await stack.runStatuses(modelName);
  const attempts = await attemptsOf(handle, 'loadTeacher');
  const survived =
    typed?.type === 'IntegrityError' &&
    typed.message.includes(target.uri) &&
    attempts === 1 &&
    Object.keys(teacherOutputs).length === 0 &&
    versions.length === 0 &&
    statuses.join() === 'failed';
  return {
    artifact: `${trial.output} (${trial.how})`,
    failedStep: activity instanceof ActivityFailure ? activity.activityType : undefined,
    type: typed?.type,
    message: typed?.message,
    attempts,
    versions,
    statuses,
    survived,
  };
}

/** The output references a completed activity of the run returned (none when it did not complete). */
async function completedOutputs(handle: WorkflowHandle, activity: string): Promise<Record<string, ArtifactRef>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity);
  const completed = events.find(
    (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
  );
  const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<StepResult>(payload).outputs : {};
}

/** How many attempts of the activity the server started. */
async function attemptsOf(handle: WorkflowHandle, activity: string): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity);
  const started = events.find(
    (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
  );
  return started?.activityTaskStartedEventAttributes?.attempt ?? 0;
}

async function flipMiddleByte(path: string): Promise<void> {
  const bytes = await readFile(path);
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = bytes[middle]! ^ 0xff;
  await writeFile(path, bytes);
}

async function truncateHalf(path: string): Promise<void> {
  const bytes = await readFile(path);
  await truncate(path, Math.floor(bytes.length / 2));
}
