/** Workflow definitions registered by the workers. */
export { pipelineWorkflow, progressQuery } from './pipeline';
export { scheduledTrainingWorkflow } from './scheduled';
export { batchPredictWorkflow } from './batch-predict';
