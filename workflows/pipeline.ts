/**
 * The training pipeline: clean → dedupe → standardize → select features → load teacher →
 * distill → evaluate → register. Deterministic orchestration only: every step is an activity,
 * and only artifact references and small summaries pass through here.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';

import type { AcceleratorActivities, CpuActivities } from '../activities';
import { PROGRESS_QUERY, type StepName } from '../common/constants';
import type {
  ArtifactRef,
  PipelineInput,
  PipelineProgress,
  PipelineResult,
  StepRecord,
  StepResult,
} from '../common/contracts';
import { DATA_STEP, REGISTER_STEP, TRAINING_STEP } from './options';

const data = proxyActivities<CpuActivities>(DATA_STEP);
const training = proxyActivities<AcceleratorActivities>(TRAINING_STEP);
const registry = proxyActivities<CpuActivities>(REGISTER_STEP);

/** Query returning the pipeline's live progress. */
export const progressQuery = defineQuery<PipelineProgress>(PROGRESS_QUERY);

/** Runs the whole pipeline for one configuration and registers the resulting model version. */
export async function pipelineWorkflow(input: PipelineInput): Promise<PipelineResult> {
  const { config } = input;
  const startedAt = new Date().toISOString();
  const tracker = new StepTracker();
  setHandler(progressQuery, () => tracker.progress());
  try {
    const cleaned = await tracker.run('clean', { dataPath: config.dataPath }, {}, () => data.clean({ config }));
    const deduped = await tracker.run('dedupe', {}, { input: cleaned.outputs.cleaned! }, (i) =>
      data.dedupe({ config, ...i }),
    );
    const standardized = await tracker.run(
      'standardize',
      { seed: config.seed, split: config.split },
      { input: deduped.outputs.deduped! },
      (i) => data.standardize({ config, ...i }),
    );
    const prepared = { standardized: standardized.outputs.standardized!, transform: standardized.outputs.transform! };
    const selected = await tracker.run('selectFeatures', config.selection, { input: prepared.standardized }, (i) =>
      data.selectFeatures({ config, ...i }),
    );
    const teacherInputs = { ...prepared, featureSelection: selected.outputs.featureSelection! };
    const teacher = await tracker.run('loadTeacher', config.teacher, teacherInputs, (i) =>
      training.loadTeacher({ config, ...i }),
    );
    const distillInputs = { ...teacherInputs, teacherLogits: teacher.outputs.teacherLogits! };
    const students = await tracker.run('distill', { ...config.student, ...config.distillation }, distillInputs, (i) =>
      training.distill({ config, ...i }),
    );
    const evaluated = await tracker.run(
      'evaluate',
      config.gate,
      {
        cleaned: cleaned.outputs.cleaned!,
        ...prepared,
        teacherLogits: teacher.outputs.teacherLogits!,
        teacherHead: teacher.outputs.teacherHead!,
        student: students.outputs.student!,
        hardLabelStudent: students.outputs.hardLabelStudent!,
      },
      (i) => training.evaluate({ config, ...i }),
    );
    const evaluation = evaluated.summary;
    tracker.begin('register');
    const registered = await registry.register({
      config,
      codeVersion: input.codeVersion,
      startedAt,
      dataset: cleaned.outputs.dataset!,
      student: students.outputs.student!,
      teacher: teacher.summary.teacher,
      features: selected.summary,
      figures: evaluation.figures,
      gate: evaluation.gate,
      steps: tracker.records,
    });
    tracker.finish();
    const { modelName, version } = registered;
    return { modelName, version, gatePassed: evaluation.gate.passed, steps: tracker.records };
  } catch (error) {
    await recordEnd(input, startedAt, error);
    throw translate(error);
  }
}

/** Keeps the step records for lineage and answers the progress query. */
class StepTracker {
  readonly records: StepRecord[] = [];
  private current: PipelineProgress['currentStep'] = 'starting';

  /** Runs one step, recording its inputs, outputs, parameters and summary. */
  async run<I extends Record<string, ArtifactRef>, S extends object>(
    step: StepName,
    params: object,
    inputs: I,
    execute: (inputs: I) => Promise<StepResult<S>>,
  ): Promise<StepResult<S>> {
    this.begin(step);
    const startedAt = new Date().toISOString();
    const result = await execute(inputs);
    const finishedAt = new Date().toISOString();
    const summary = { ...result.summary } as Record<string, unknown>;
    this.records.push({ step, inputs, outputs: result.outputs, params: { ...params }, summary, startedAt, finishedAt });
    log.info('step completed', { step });
    return result;
  }

  begin(step: StepName): void {
    this.current = step;
  }

  finish(): void {
    this.current = 'done';
  }

  fail(): void {
    this.current = 'failed';
  }

  progress(): PipelineProgress {
    const summaries = Object.fromEntries(this.records.map((r) => [r.step, r.summary]));
    return { currentStep: this.current, completed: this.records.map((r) => r.step), summaries };
  }
}

/** Records a failed or cancelled run in the registry; never masks the original error. */
async function recordEnd(input: PipelineInput, startedAt: string, error: unknown): Promise<void> {
  const status = isCancellation(error) ? 'cancelled' : 'failed';
  try {
    await CancellationScope.nonCancellable(() =>
      registry.recordFailure({ config: input.config, codeVersion: input.codeVersion, startedAt, status }),
    );
  } catch (recordError) {
    log.warn('could not record the run status', { status, error: String(recordError) });
  }
}

const TRAINING_ACTIVITIES = ['loadTeacher', 'distill', 'evaluate'];

/** A step that no worker picked up becomes a failure naming its task queue. */
function translate(error: unknown): unknown {
  if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) {
    if (error.cause.timeoutType === 'SCHEDULE_TO_START') {
      const queue = TRAINING_ACTIVITIES.includes(error.activityType) ? TRAINING_STEP.taskQueue : DATA_STEP.taskQueue;
      return ApplicationFailure.nonRetryable(
        `step ${error.activityType} was not picked up by any worker of task queue ${queue} ` +
          `within the schedule-to-start timeout`,
        'NoWorker',
        { taskQueue: queue, activityType: error.activityType },
      );
    }
  }
  return error;
}
