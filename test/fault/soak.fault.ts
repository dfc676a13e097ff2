/**
 * Soak: one pair of worker processes runs FAULT_SOAK_RUNS (default 100) small pipelines in a row.
 * Resident memory of each worker must not grow more than 10 % above where it settled after the
 * first runs (a drop, such as the CPU worker's after its first collections, is reported, not a
 * failure), and the live tensor count must be the same before and after every step.
 */
import { recordEvidence } from './support/evidence';
import { residentMiB } from './support/processes';
import { distillTensors, envCount, stepSummary } from './support/results';
import { Stack } from './support/stack';
import type { WorkerKind } from './support/worker-process';

/** Runs after which memory counts as settled; the settled level is their mean. */
const SETTLING_RUNS = [8, 9, 10];
const RSS_TOLERANCE = 0.1;
const KINDS: readonly WorkerKind[] = ['cpu', 'accelerator'];

interface Sample {
  readonly run: number;
  readonly seconds: number;
  readonly rssMiB: Record<WorkerKind, number>;
  readonly tensors: { distillBefore: number; distillAfter: number; teacherBefore: number; teacherAfter: number };
}

jest.setTimeout(120 * 60_000);

describe('soak: many runs on one worker', () => {
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await Stack.start('soak');
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('keeps resident memory flat and returns the tensor count after every run', async () => {
    const runs = Math.max(envCount('FAULT_SOAK_RUNS', 100), Math.max(...SETTLING_RUNS) + 1);
    const samples: Sample[] = [];
    for (let run = 1; run <= runs; run++) samples.push(await soakRun(stack, run));
    const memory = Object.fromEntries(KINDS.map((kind) => [kind, drift(samples, kind)])) as Record<WorkerKind, Drift>;
    const tensors = tensorCheck(samples);
    const memoryHolds = KINDS.every((kind) => memory[kind].worst <= RSS_TOLERANCE);
    const survived = samples.filter((s) => tensorsReturned(s, tensors.settled) && withinMemory(s, memory)).length;
    await recordEvidence({
      id: '9-soak',
      scenario: `Soak: ${runs} runs in a row on one worker pair`,
      broken: `nothing: ${runs} consecutive small runs (tiny SMS subset, 1 epoch) on the same two worker processes`,
      outcome:
        KINDS.map((k) => `${k} RSS settled at ${memory[k].settled.toFixed(0)} MiB, range ${memory[k].range}`).join(
          '; ',
        ) +
        `; live tensors back to ${tensors.settled} after distill, and memory in bounds, in ${survived}/${runs} runs` +
        `; ${memoryHolds ? 'no growth beyond' : 'growth BEYOND'} +${RSS_TOLERANCE * 100} % of the level after runs ` +
        SETTLING_RUNS.join(', '),
      trials: runs,
      survived,
      seconds: Math.round((Date.now() - started) / 1000),
      details: samples.map((s) => ({ ...s })),
    });
    expect(KINDS.map((k) => [k, memory[k].worst <= RSS_TOLERANCE])).toEqual(KINDS.map((k) => [k, true]));
    expect(survived).toBe(runs);
  });
});

async function soakRun(stack: Stack, run: number): Promise<Sample> {
  const begun = Date.now();
  const result = await stack.run(stack.config('soak'));
  const distill = distillTensors(result);
  const teacher = stepSummary(result, 'loadTeacher');
  const rssMiB = { cpu: 0, accelerator: 0 };
  for (const kind of KINDS) rssMiB[kind] = Number((await residentMiB(stack.worker(kind).pid)).toFixed(1));
  return {
    run,
    seconds: Number(((Date.now() - begun) / 1000).toFixed(1)),
    rssMiB,
    tensors: {
      distillBefore: distill.before,
      distillAfter: distill.after,
      teacherBefore: Number(teacher.tensorsBefore),
      teacherAfter: Number(teacher.tensorsAfter),
    },
  };
}

interface Drift {
  readonly settled: number;
  /** Largest relative growth above the settled level after the settling runs. */
  readonly worst: number;
  readonly range: string;
}

function drift(samples: readonly Sample[], kind: WorkerKind): Drift {
  const settling = samples.filter((s) => SETTLING_RUNS.includes(s.run)).map((s) => s.rssMiB[kind]);
  const settled = settling.reduce((a, b) => a + b, 0) / settling.length;
  const after = samples.filter((s) => s.run > Math.max(...SETTLING_RUNS)).map((s) => s.rssMiB[kind]);
  const worst = Math.max(...after.map((rss) => (rss - settled) / settled));
  const [low, high] = [Math.min(...after), Math.max(...after)];
  const range = `${low.toFixed(0)}–${high.toFixed(0)} MiB (${percent(low / settled - 1)} to ${percent(worst)})`;
  return { settled, worst, range };
}

/** The tensor count every run after the first starts distill with. */
function tensorCheck(samples: readonly Sample[]): { settled: number } {
  return { settled: samples[1]?.tensors.distillBefore ?? samples[0]!.tensors.distillBefore };
}

/** A run after the settling runs holds when every worker's RSS is within tolerance of its settled level. */
function withinMemory(sample: Sample, memory: Record<WorkerKind, Drift>): boolean {
  if (sample.run <= Math.max(...SETTLING_RUNS)) return true;
  return KINDS.every((k) => (sample.rssMiB[k] - memory[k].settled) / memory[k].settled <= RSS_TOLERANCE);
}

function percent(ratio: number): string {
  return `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)} %`;
}

function tensorsReturned(sample: Sample, settled: number): boolean {
  const { distillBefore, distillAfter, teacherBefore, teacherAfter } = sample.tensors;
  const returned = distillAfter === distillBefore && teacherAfter === teacherBefore;
  return returned && (sample.run === 1 || distillBefore === settled);
}
