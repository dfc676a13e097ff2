/**
 * Scenario 1: the accelerator worker is killed with SIGKILL in the middle of distillation, at a
 * random epoch, and a new worker process is started. The run must complete, resume from the last
 * checkpoint named in the heartbeat (at most one epoch of work lost), and score within tolerance
 * of an unbroken run of the same configuration.
 */
import type { WorkflowHandle } from '@temporalio/client';

import type { PipelineResult } from '../../common/contracts';
import { recordEvidence } from './support/evidence';
import { waitFor } from './support/processes';
import { envCount, figuresOf, stepSummary, suiteRandom } from './support/results';
import { Stack, type RunSnapshot } from './support/stack';

const EPOCHS = 5;
/** Small batches: enough batches per epoch that an epoch outlasts the 2 s heartbeat throttle. */
const STUDENT = { epochs: EPOCHS, batchSize: 4 };
const SUBSET = { ham: 480, spam: 300 };
/** Adam's moments restart on resume, so a resumed run is close to, not equal to, an unbroken one. */
const TOLERANCE = 0.05;
const STUDENTS = ['distilled', 'hardLabel'] as const;
/** The evaluation figures of each trained student. */
const FIGURES_OF = { distilled: 'student', hardLabel: 'hardLabelStudent' } as const;

describe('scenario 1: SIGKILL of the accelerator worker during distillation', () => {
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await Stack.start('kill', { subset: SUBSET });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('resumes every killed run from its last checkpoint and matches an unbroken run', async () => {
    const baseline = await stack.run(stack.config('kill-baseline', { student: STUDENT }));
    const random = suiteRandom();
    const trials = envCount('FAULT_KILL_TRIALS', 3);
    const details: Record<string, unknown>[] = [];
    for (let trial = 1; trial <= trials; trial++) {
      // Alternate the students so that both resume paths are exercised; the epoch is random.
      const student = STUDENTS[(trial - 1) % STUDENTS.length]!;
      // Not the last epoch: it may end within one heartbeat interval, before the kill point is seen.
      const epoch = 1 + Math.floor(random.next() * (EPOCHS - 1));
      details.push(await killTrial(stack, baseline, `kill-${trial}`, { student, epoch }));
    }
    const survived = details.filter((d) => d.survived).length;
    const lost = details.map((d) => Number(d.epochsLost).toFixed(2)).join(', ');
    await recordEvidence({
      id: '1-kill-accelerator-worker',
      scenario: 'Accelerator worker killed mid-distillation',
      broken: `SIGKILL of the accelerator worker process at a random epoch (seed ${random.seed}); new process started`,
      outcome:
        `every run completed on attempt 2, resumed from the checkpoint in the last heartbeat; epochs of work ` +
        `lost per trial: ${lost}; the killed student's test macro-F1 within ${TOLERANCE} of the unbroken run ` +
        `(${details
          .map((d) => `${Number(d.killedStudentMacroF1).toFixed(3)} vs ${Number(d.unbrokenMacroF1).toFixed(3)}`)
          .join(', ')})`,
      trials,
      survived,
      seconds: Math.round((Date.now() - started) / 1000),
      details,
    });
    expect(details.map((d) => d.survived)).toEqual(details.map(() => true));
  });
});

interface KillPoint {
  readonly student: (typeof STUDENTS)[number];
  readonly epoch: number;
}

async function killTrial(stack: Stack, baseline: PipelineResult, name: string, at: KillPoint) {
  const handle = await stack.startRun(stack.config(name, { student: STUDENT }));
  const seen = await waitFor(`${at.student} epoch ${at.epoch} in progress`, () => inEpoch(stack, handle, at), 600_000);
  await stack.worker('accelerator').stop('SIGKILL');
  const killedAt = Date.now();
  await stack.startWorker('accelerator');
  const result = (await handle.result()) as PipelineResult;
  const resumedFrom = stepSummary(result, 'distill').resumedFrom as Record<string, number>;
  const checkpoint = resumedFrom[at.student] ?? 0;
  const epochsLost = (seen.beat?.done ?? 0) - checkpoint;
  const student = figuresOf(result, FIGURES_OF[at.student]);
  const unbroken = figuresOf(baseline, FIGURES_OF[at.student]);
  const attempts = await distillAttempts(handle);
  const survived =
    attempts === 2 && epochsLost <= 1 && Math.abs(student.macroF1 - unbroken.macroF1) <= TOLERANCE && result.version;
  return {
    trial: name,
    killedIn: `${at.student} student, epoch ${at.epoch}`,
    heartbeatAtKill: seen.beat?.done,
    checkpointAtKill: seen.beat?.checkpoints?.[at.student]?.epoch ?? 0,
    resumedFrom,
    epochsLost,
    distillAttempts: attempts,
    secondsToComplete: Math.round((Date.now() - killedAt) / 1000),
    killedStudentMacroF1: student.macroF1,
    unbrokenMacroF1: unbroken.macroF1,
    version: result.version,
    survived: Boolean(survived),
  };
}

/** The snapshot once the server's last heartbeat shows the wanted student past the middle of the wanted epoch. */
async function inEpoch(stack: Stack, handle: WorkflowHandle, at: KillPoint): Promise<RunSnapshot | undefined> {
  const snapshot = await stack.snapshot(handle);
  const beat = snapshot.beat;
  if (snapshot.activity !== 'distill' || !beat?.phase.includes(at.student)) return undefined;
  return beat.done >= at.epoch - 0.5 ? snapshot : undefined;
}

/** Attempts of the `distill` activity, from the run's history. */
async function distillAttempts(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'distill');
  const id = scheduled?.eventId;
  const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(id));
  return started?.activityTaskStartedEventAttributes?.attempt ?? 0;
}
