/** Reading a finished run's step summaries, and the suite's knobs (seeded, from the environment). */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';

import type { StepName } from '../../../common/constants';
import type { PipelineResult } from '../../../common/contracts';
import { seededRandom } from '../../../core/util/random';

/** The summary a step returned, from the run's step records. */
export function stepSummary(result: PipelineResult, step: StepName): Record<string, unknown> {
  const record = result.steps.find((s) => s.step === step);
  if (!record) throw new Error(`the run has no ${step} step`);
  return record.summary as Record<string, unknown>;
}

/** Test-split figures of one model of the run (`student`, `teacher`, …). */
export function figuresOf(result: PipelineResult, model: string): { accuracy: number; macroF1: number } {
  const figures = stepSummary(result, 'evaluate').figures as Record<string, { accuracy: number; macroF1: number }>;
  const found = figures[model];
  if (!found) throw new Error(`no figures for ${model}`);
  return found;
}

/** Live tensors of the accelerator worker before and after its `distill` activity. */
export function distillTensors(result: PipelineResult): { before: number; after: number } {
  const summary = stepSummary(result, 'distill');
  return { before: Number(summary.tensorsBefore), after: Number(summary.tensorsAfter) };
}

/** A positive integer from the environment, or `fallback`. */
export function envCount(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** The suite's random source: FAULT_SEED when set (to repeat a run), else a fresh seed; both recorded. */
export function suiteRandom(): { seed: number; next: () => number } {
  const seed = envCount('FAULT_SEED', Date.now() % 1_000_000);
  return { seed, next: seededRandom(seed) };
}

/**
 * The run's result, waiting through outages of the Temporal server: a lost connection is retried,
 * while the run's own failure (a WorkflowFailedError) is returned to the caller as thrown.
 */
export async function resultThroughOutages(handle: WorkflowHandle, timeoutMs = 20 * 60_000): Promise<PipelineResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await handle.result()) as PipelineResult;
    } catch (error) {
      if (error instanceof WorkflowFailedError || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
