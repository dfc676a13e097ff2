/**
 * Names that become identifiers across Distillery: task queues, step names, artifact kinds.
 * Workflows, activities, workers, the registry and the CLI all import them from here.
 */

/** Task queue of the CPU-bound data steps and registration. */
export const CPU_TASK_QUEUE = 'distillery-cpu';
/** Task queue of the teacher and training steps; its worker owns the ML backend. */
export const ACCELERATOR_TASK_QUEUE = 'distillery-accelerator';

/** The eight pipeline steps, in execution order. */
export const PIPELINE_STEPS = [
  'clean',
  'dedupe',
  'standardize',
  'selectFeatures',
  'loadTeacher',
  'distill',
  'evaluate',
  'register',
] as const;
export type StepName = (typeof PIPELINE_STEPS)[number];

/** Kinds of artifact written to the store; recorded in lineage. */
export const ARTIFACT_KINDS = [
  'dataset',
  'cleaned',
  'profile',
  'deduped',
  'standardized',
  'transform',
  'featureSelection',
  'teacherLogits',
  'teacherHead',
  'embeddings',
  'student',
  'checkpoint',
  'evaluation',
  'predictions',
  'summaryDetails',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** Row-level bookkeeping columns added by the pipeline. */
export const ROW_ID_COLUMN = '__row_id';
export const SPLIT_COLUMN = '__split';
export type SplitName = 'train' | 'validation' | 'test';

/** Workflow type name of the training pipeline; the CLI starts it by name. */
export const PIPELINE_WORKFLOW = 'pipelineWorkflow';
/** Workflow type name of batch prediction with a registered model version. */
export const BATCH_PREDICT_WORKFLOW = 'batchPredictWorkflow';
/** Query handler name returning {@link PipelineProgress}. */
export const PROGRESS_QUERY = 'progress';

/** Workflow type of a scheduled retraining: the pipeline as a child, then auto-promotion when configured. */
export const SCHEDULED_TRAINING_WORKFLOW = 'scheduledTrainingWorkflow';
