/**
 * Inputs and results of the registry's operations. Everything here is JSON-safe (instants are ISO
 * strings) so that it can cross Temporal as an activity input or result.
 */
import type { ArtifactRef, StepRecord } from '../common/contracts';
import type { GateOutcome, RunStatus, TeacherIdentity } from './schema';

export type { GateOutcome, RunStatus, TeacherIdentity } from './schema';

/** The pipeline run a model version comes from; its id is `${workflowId}/${temporalRunId}`. */
export interface RunInput {
  readonly workflowId: string;
  readonly temporalRunId: string;
  readonly configHash: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly datasetUri: string;
  readonly datasetSha256: string;
  readonly codeVersion: string;
  readonly triggeredBy: string;
  /** ISO instant the run started. */
  readonly startedAt: string;
  /** ISO instant the run finished. Default: the instant of registration. */
  readonly finishedAt?: string;
}

/** Input of {@link registerModelVersion}: a finished run and everything needed for its lineage. */
export interface RegisterInput {
  readonly modelName: string;
  readonly run: RunInput;
  readonly steps: readonly StepRecord[];
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly gate: GateOutcome;
  readonly student: ArtifactRef;
  readonly teacher: TeacherIdentity;
  /** The features the student was trained on (selected columns, vocabulary summary). */
  readonly features: unknown;
}

/** Result of {@link registerModelVersion}; `created` is false when the run was already registered. */
export interface RegisterResult {
  readonly modelName: string;
  readonly version: number;
  readonly created: boolean;
}

/** Input of {@link recordRunStatus}: a run that did not (or not yet) produce a model version. */
export interface RunStatusInput {
  readonly workflowId: string;
  readonly temporalRunId: string;
  readonly modelName: string;
  readonly status: RunStatus;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly configHash?: string;
  readonly datasetUri?: string;
  readonly datasetSha256?: string;
  readonly codeVersion?: string;
  readonly triggeredBy?: string;
}

/** One row of {@link listModelVersions}. */
export interface ModelVersionSummary {
  readonly modelName: string;
  readonly version: number;
  readonly createdAt: string;
  /** The top-level numeric metrics only. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly gatePassed: boolean;
  readonly runId: string;
  readonly datasetSha256: string;
}

/** An artifact a step read or wrote, under its input or output key. */
export interface LineageArtifact {
  readonly name: string;
  readonly kind: string;
  readonly uri: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** A step execution with the artifacts it read and wrote. */
export interface LineageStep {
  readonly step: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly inputs: readonly LineageArtifact[];
  readonly outputs: readonly LineageArtifact[];
}

/** The run a model version came from. */
export interface LineageRun {
  readonly id: string;
  readonly workflowId: string;
  readonly temporalRunId: string;
  readonly status: RunStatus;
  readonly triggeredBy: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly config: Readonly<Record<string, unknown>> | null;
}

/** Full lineage of a model version, from the dataset through every step to the student. */
export interface ModelLineage {
  readonly modelName: string;
  readonly version: number;
  readonly createdAt: string;
  readonly run: LineageRun;
  readonly dataset: { readonly uri: string | null; readonly sha256: string };
  readonly teacher: TeacherIdentity;
  readonly student: { readonly uri: string; readonly sha256: string };
  readonly configHash: string;
  readonly codeVersion: string | null;
  readonly features: unknown;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly gate: GateOutcome;
  readonly steps: readonly LineageStep[];
}

/** Result of {@link setAlias}; `previousVersion` is null when the alias was not held before. */
export interface AliasMove {
  readonly modelName: string;
  readonly alias: string;
  readonly version: number;
  readonly previousVersion: number | null;
  /** False when the alias already pointed at the version: nothing was written. */
  readonly changed: boolean;
}
