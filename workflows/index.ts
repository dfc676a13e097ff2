/** Workflow definitions registered by the workers. */
export { pipelineWorkflow, progressQuery } from './pipeline';
export { scheduledTrainingWorkflow } from './scheduled';
