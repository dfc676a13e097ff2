/**
 * Scenario 4: twenty runs of the same model name started at once. Every run must complete and
 * the registry must hand out versions 1..20, each exactly once; the teacher's embedding cache
 * must make the repeated teacher passes cheap.
 */
import { recordEvidence } from './support/evidence';
import { envCount, resultThroughOutages, stepSummary } from './support/results';
import { Stack } from './support/stack';

const MODEL = 'concurrent';

describe('scenario 4: twenty simultaneous runs of one model', () => {
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await Stack.start('concurrent');
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('completes all runs and registers versions 1..N exactly once', async () => {
    const count = envCount('FAULT_CONCURRENT_RUNS', 20);
    const handles = await Promise.all(Array.from({ length: count }, () => stack.startRun(stack.config(MODEL))));
    const outcomes = await Promise.allSettled(handles.map((h) => resultThroughOutages(h)));
    const results = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const returned = results.map((r) => r.version).sort((a, b) => a - b);
    const registered = await stack.versions(MODEL);
    const expected = Array.from({ length: count }, (_, i) => i + 1);
    const cacheHits = results.map((r) => Number(stepSummary(r, 'loadTeacher').cacheHits));
    const rows = Number(stepSummary(results[0]!, 'loadTeacher').rowsEmbedded);
    const fullyCached = cacheHits.filter((h) => h === rows).length;
    await recordEvidence({
      id: '4-concurrent-runs',
      scenario: `${count} runs of one model at once`,
      broken: `${count} workflows for model "${MODEL}" started in the same instant (tiny SMS subset, 1 epoch)`,
      outcome:
        `${results.length}/${count} completed; registered versions ${compact(registered)}; ` +
        `${fullyCached} of ${count} teacher passes served entirely from the embedding cache`,
      trials: count,
      survived: results.length,
      seconds: Math.round((Date.now() - started) / 1000),
      details: [{ returnedVersions: returned, registeredVersions: registered, rowsEmbedded: rows, cacheHits }],
    });
    expect(results).toHaveLength(count);
    expect(returned).toEqual(expected);
    expect(registered).toEqual(expected);
    expect(fullyCached).toBeGreaterThanOrEqual(count - 1);
  });
});

/** `1..20` for a gap-free ascending list, else the list itself. */
function compact(versions: readonly number[]): string {
  const contiguous = versions.every((v, i) => v === i + 1);
  return contiguous && versions.length > 0 ? `1..${versions.length}` : JSON.stringify(versions);
}
