/**
 * Scenario 2: the Temporal dev server is stopped in the middle of a run and started again on the
 * same database file. Workers and the run must ride through the outage: the run completes.
 */
import { recordEvidence } from './support/evidence';
import { waitFor } from './support/processes';
import { envCount, resultThroughOutages } from './support/results';
import { Stack } from './support/stack';

/** Steps at which the server goes down, one per trial. */
const RESTART_DURING = ['loadTeacher', 'distill', 'evaluate'] as const;
const DOWN_MS = 5_000;

describe('scenario 2: restart of the Temporal server mid-run', () => {
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await Stack.start('restart', { subset: { ham: 300, spam: 200 } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('completes every run that the server restart interrupted', async () => {
    const trials = RESTART_DURING.slice(0, envCount('FAULT_RESTART_TRIALS', RESTART_DURING.length));
    const details: Record<string, unknown>[] = [];
    for (const step of trials) details.push(await restartTrial(stack, step));
    const survived = details.filter((d) => d.survived).length;
    await recordEvidence({
      id: '2-restart-temporal',
      scenario: 'Temporal server restarted mid-run',
      broken:
        `dev server stopped (SIGTERM) for ${DOWN_MS / 1000} s during ${trials.join(' / ')}, ` +
        'restarted on its db file',
      outcome:
        'workers reconnected on their own; every run completed and registered its version ' +
        `(${details.map((d) => `${String(d.during)} → v${String(d.version)}`).join(', ')})`,
      trials: trials.length,
      survived,
      seconds: Math.round((Date.now() - started) / 1000),
      details,
    });
    expect(details.map((d) => d.survived)).toEqual(details.map(() => true));
  });
});

async function restartTrial(stack: Stack, step: string) {
  const modelName = `restart-${step.toLowerCase()}`;
  const handle = await stack.startRun(stack.config(modelName, { student: { epochs: 3, batchSize: 4 } }));
  await waitFor(
    `step ${step}`,
    async () => ((await stack.snapshot(handle)).activity === step ? true : undefined),
    600_000,
  );
  const restartedAt = Date.now();
  await stack.server.restart(DOWN_MS);
  const result = await resultThroughOutages(handle);
  const versions = await stack.versions(modelName);
  const workersAlive = [...stack.workers.values()].every((w) => w.alive());
  return {
    during: step,
    version: result.version,
    versions,
    workersAlive,
    secondsFromRestartToEnd: Math.round((Date.now() - restartedAt) / 1000),
    survived: result.version === 1 && versions.length === 1 && workersAlive,
  };
}
