/**
 * The registry's public operations, each taking an open {@link Registry}. Writes are single
 * transactions; reads return JSON-safe objects that can cross Temporal.
 */
export { setAlias, resolveAlias } from './aliases';
export { getLineage, listModelVersions } from './lineage';
export { findVersionOfRun, registerModelVersion } from './register';
export { deleteRun, recordRunStatus } from './runs';
export type { Registry } from './db';
