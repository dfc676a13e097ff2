/**
 * Scenario 5: a run is cancelled while the student trains. It must end as cancelled within 15 s,
 * register no version, leak no tensors, and leave the accelerator worker idle and ready.
 */
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';

import { recordEvidence } from './support/evidence';
import { cpuSeconds, sleep, waitFor } from './support/processes';
import { distillTensors, envCount } from './support/results';
import { Stack } from './support/stack';

const CANCEL_DEADLINE_MS = 15_000;
/** A worker counts as idle when it burns less than this many CPU seconds in {@link IDLE_WINDOW_MS}. */
const IDLE_CPU_SECONDS = 0.3;
const IDLE_WINDOW_MS = 3_000;
/** The worker must be idle this soon after the cancellation request. */
const IDLE_DEADLINE_MS = 30_000;
const TRAINING = { student: { epochs: 30, batchSize: 4 } };

describe('scenario 5: cancellation during training', () => {
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await Stack.start('cancel', { subset: { ham: 300, spam: 200 } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('cancels promptly, registers nothing, leaks no tensors and leaves the worker idle', async () => {
    await stack.run(stack.config('cancel-warm-1'));
    const settled = distillTensors(await stack.run(stack.config('cancel-warm-2'))).before;
    const details: Record<string, unknown>[] = [];
    const trials = envCount('FAULT_CANCEL_TRIALS', 2);
    for (let trial = 1; trial <= trials; trial++) details.push(await cancelTrial(stack, `cancel-${trial}`, settled));
    const survived = details.filter((d) => d.survived).length;
    await recordEvidence({
      id: '5-cancel-training',
      scenario: 'Run cancelled during training',
      broken: 'workflow cancellation requested while distill was mid-epoch',
      outcome:
        `cancelled in ${details.map((d) => `${String(d.secondsToCancelled)} s`).join(', ')}; no version; ` +
        `run recorded as cancelled; worker idle ${details.map((d) => `${String(d.secondsToIdle)} s`).join(', ')} ` +
        'after the request; live tensors before the next run ' +
        `${details.map((d) => String(d.tensorsBeforeNextRun)).join(', ')} (settled count ${settled})`,
      trials,
      survived,
      seconds: Math.round((Date.now() - started) / 1000),
      details,
    });
    expect(details.map((d) => d.survived)).toEqual(details.map(() => true));
  });
});

async function cancelTrial(stack: Stack, modelName: string, settledTensors: number) {
  const handle = await stack.startRun(stack.config(modelName, TRAINING));
  await waitFor(
    'distill under way',
    async () => {
      const { activity, beat } = await stack.snapshot(handle);
      return activity === 'distill' && (beat?.epoch ?? 0) >= 2 ? true : undefined;
    },
    600_000,
  );
  const cancelledAt = Date.now();
  await handle.cancel();
  const error = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  const secondsToCancelled = (Date.now() - cancelledAt) / 1000;
  const cancelled = error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure;
  const pid = stack.worker('accelerator').pid;
  const idleCpu = await waitFor('the accelerator worker to go idle', () => idleWindow(pid), IDLE_DEADLINE_MS, 0);
  const secondsToIdle = (Date.now() - cancelledAt) / 1000;
  const versions = await stack.versions(modelName);
  const statuses = await stack.runStatuses(modelName);
  const next = distillTensors(await stack.run(stack.config(`${modelName}-next`)));
  const survived =
    cancelled &&
    secondsToCancelled * 1000 <= CANCEL_DEADLINE_MS &&
    versions.length === 0 &&
    statuses.join() === 'cancelled' &&
    secondsToIdle * 1000 <= IDLE_DEADLINE_MS &&
    next.before === settledTensors;
  return {
    trial: modelName,
    secondsToCancelled: Number(secondsToCancelled.toFixed(1)),
    cancelled,
    versions,
    statuses,
    secondsToIdle: Number(secondsToIdle.toFixed(1)),
    idleCpuSecondsIn3s: Number(idleCpu.toFixed(2)),
    tensorsBeforeNextRun: next.before,
    tensorsAfterNextRun: next.after,
    survived,
  };
}

/** CPU seconds the process used in one {@link IDLE_WINDOW_MS} window, if that counts as idle. */
async function idleWindow(pid: number): Promise<number | undefined> {
  const before = await cpuSeconds(pid);
  await sleep(IDLE_WINDOW_MS);
  const used = (await cpuSeconds(pid)) - before;
  return used < IDLE_CPU_SECONDS ? used : undefined;
}
