/**
 * Runs the eight pipeline activities in sequence inside Temporal's mock activity context, recording
 * each step as the workflow does, for the step tests in pipeline-steps.test.ts.
 */

import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

import { type createAcceleratorActivities, type createCpuActivities } from '../../../activities';
import { sha256File } from '../../../artifacts/store';
import { parsePipelineConfig, type PipelineConfig } from '../../../common/config';
import type { StepName } from '../../../common/constants';
import type { ArtifactRef, StepRecord, StepResult, TrainingHeartbeat } from '../../../common/contracts';
import { column, type Frame } from '../../../core/data/frame';
import type { RegisterResult } from '../../../registry/types';
import { type WiredDeps } from '../../../workers/deps';

export const WORKFLOW = { workflowId: 'activities-test', runId: 'run-0001' };

export type Cpu = ReturnType<typeof createCpuActivities>;
export type Accelerator = ReturnType<typeof createAcceleratorActivities>;
type Result = StepResult<Record<string, unknown>>;

/** Everything the chain produced, for the tests to inspect. */
export interface Chain {
  readonly config: PipelineConfig;
  readonly datasetSha256: string;
  readonly steps: StepRecord[];
  readonly cleaned: Result;
  readonly deduped: Result;
  readonly standardized: Result;
  readonly selected: Result;
  readonly teacher: Awaited<ReturnType<Accelerator['loadTeacher']>>;
  readonly distilled: Result;
  readonly distillBeats: TrainingHeartbeat[];
  readonly evaluated: Awaited<ReturnType<Accelerator['evaluate']>>;
  readonly registered: RegisterResult;
}

/** A mock activity context of the test workflow run that logs warnings and errors only. */
export function activityEnvironment(info: Partial<Info> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment({ workflowExecution: WORKFLOW, ...info }, { logger: new DefaultLogger('WARN') });
}

/** `env.run` typed by the activity's own input and result (the SDK's signature infers neither). */
export function runIn<I, R>(env: MockActivityEnvironment, activity: (input: I) => Promise<R>, input: I): Promise<R> {
  return env.run(activity, input) as Promise<R>;
}

/** Runs one step in a mock context and records it as the workflow does, for lineage. */
async function runStep<I, S extends object>(
  steps: StepRecord[],
  step: StepName,
  inputs: Record<string, ArtifactRef>,
  activity: (input: I) => Promise<StepResult<S>>,
  input: I,
  env = activityEnvironment(),
): Promise<StepResult<S>> {
  const startedAt = new Date().toISOString();
  const result = await runIn(env, activity, input);
  const finishedAt = new Date().toISOString();
  const summary = { ...result.summary } as Record<string, unknown>;
  steps.push({ step, inputs, outputs: result.outputs, params: {}, summary, startedAt, finishedAt });
  return result;
}

export async function runChain(deps: WiredDeps, cpu: Cpu, accelerator: Accelerator, dataPath: string): Promise<Chain> {
  const config = parsePipelineConfig({
    dataPath,
    label: 'label',
    text: 'text',
    modelName: 'spam-filter',
    student: { epochs: 3 },
    triggeredBy: 'jest',
  });
  const steps: StepRecord[] = [];
  const cleaned = await runStep(steps, 'clean', {}, cpu.clean, { config });
  const fromCleaned = { input: cleaned.outputs.cleaned! };
  const deduped = await runStep(steps, 'dedupe', fromCleaned, cpu.dedupe, { config, ...fromCleaned });
  const fromDeduped = { input: deduped.outputs.deduped! };
  const standardized = await runStep(steps, 'standardize', fromDeduped, cpu.standardize, { config, ...fromDeduped });
  const prepared = { standardized: standardized.outputs.standardized!, transform: standardized.outputs.transform! };
  const fromPrepared = { input: prepared.standardized };
  const selected = await runStep(steps, 'selectFeatures', fromPrepared, cpu.selectFeatures, {
    config,
    ...fromPrepared,
  });
  const teacherInputs = { ...prepared, featureSelection: selected.outputs.featureSelection! };
  const teacher = await runStep(steps, 'loadTeacher', teacherInputs, accelerator.loadTeacher, {
    config,
    ...teacherInputs,
  });
  const distillInputs = { ...teacherInputs, teacherLogits: teacher.outputs.teacherLogits! };
  const distillBeats: TrainingHeartbeat[] = [];
  const distillEnv = activityEnvironment();
  // Temporal serialises heartbeat details when they are sent; a copy keeps each one as it was then.
  distillEnv.on('heartbeat', (details: TrainingHeartbeat) => distillBeats.push(structuredClone(details)));
  const distilled = await runStep(
    steps,
    'distill',
    distillInputs,
    accelerator.distill,
    {
      config,
      ...distillInputs,
    },
    distillEnv,
  );
  const evaluateInputs = {
    cleaned: cleaned.outputs.cleaned!,
    ...prepared,
    teacherLogits: teacher.outputs.teacherLogits!,
    teacherHead: teacher.outputs.teacherHead!,
    student: distilled.outputs.student!,
    hardLabelStudent: distilled.outputs.hardLabelStudent!,
  };
  const evaluated = await runStep(steps, 'evaluate', evaluateInputs, accelerator.evaluate, {
    config,
    ...evaluateInputs,
  });
  const parts = { cleaned, selected, teacher, distilled, evaluated };
  const registered = await runIn(activityEnvironment(), cpu.register, registerInput(config, steps, parts));
  const datasetSha256 = await sha256File(dataPath);
  return {
    config,
    datasetSha256,
    steps,
    cleaned,
    deduped,
    standardized,
    selected,
    teacher,
    distilled,
    distillBeats,
    evaluated,
    registered,
  };
}

/** The input the workflow hands to `register`: the run's artifacts, figures, gate and step records. */
export function registerInput(
  config: PipelineConfig,
  steps: readonly StepRecord[],
  parts: Pick<Chain, 'cleaned' | 'selected' | 'teacher' | 'distilled' | 'evaluated'>,
) {
  const { cleaned, selected, teacher, distilled, evaluated } = parts;
  return {
    config,
    codeVersion: '0.1.0+jest',
    startedAt: steps[0]!.startedAt,
    dataset: cleaned.outputs.dataset!,
    student: distilled.outputs.student!,
    teacher: teacher.summary.teacher,
    features: selected.summary,
    figures: evaluated.summary.figures,
    gate: evaluated.summary.gate,
    steps,
  };
}

/** Rows of each class in each split, from a frame that has `label` and `__split`. */
export function classesBySplit(frame: Frame): Record<string, Record<string, number>> {
  const labels = column(frame, 'label');
  const splits = column(frame, '__split');
  const counts: Record<string, Record<string, number>> = {};
  labels.forEach((label, i) => {
    const perSplit = (counts[String(label)] ??= {});
    perSplit[String(splits[i])] = (perSplit[String(splits[i])] ?? 0) + 1;
  });
  return counts;
}

export function meanAndPopulationStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length);
  return { mean, std };
}
