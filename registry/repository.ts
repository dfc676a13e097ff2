/**
 * The registry's public operations, each taking an open {@link Registry}. Writes are single
 * transactions; reads return JSON-safe objects that can cross Temporal.
 */
export { promoteIfBetter, setAlias, resolveAlias } from './aliases';
export { getLineage, listModelVersions } from './lineage';
export { findVersionOfRun, registerModelVersion } from './register';
export { deleteRun, findRunOfWorkflow, listRuns, recordRunStatus } from './runs';
export { appendAudit, listAudit } from './audit';
export { getDataset, listDatasets, recordDataset } from './datasets';
export { authenticateApiKey, createApiKey, ensureAdminKey, listApiKeys, revokeApiKey } from './keys';
export {
  archiveModelVersion,
  findServableVersion,
  getModelVersion,
  latestVersion,
  listAliasHistory,
  listModels,
} from './versions';
export type { Registry } from './db';
