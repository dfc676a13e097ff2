/**
 * What crosses Temporal: artifact references and small summaries, never rows.
 * Every activity takes one input object and returns one output object declared here.
 */
import type { ArtifactKind, StepName } from './constants';
import type { PipelineConfig } from './config';

/** A content-addressed artifact: where it lives and the SHA-256 of its bytes. */
export interface ArtifactRef {
  readonly uri: string;
  readonly sha256: string;
  readonly kind: ArtifactKind;
  readonly bytes: number;
}

/** The common shape of each step's result: its outputs and a small JSON summary for the report. */
export interface StepResult<S extends object = Record<string, unknown>> {
  readonly outputs: Readonly<Record<string, ArtifactRef>>;
  readonly summary: S;
}

/** A finished step as recorded by the workflow and handed to `register` for lineage. */
export interface StepRecord {
  readonly step: StepName;
  readonly inputs: Readonly<Record<string, ArtifactRef>>;
  readonly outputs: Readonly<Record<string, ArtifactRef>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** Input of the pipeline workflow. */
export interface PipelineInput {
  readonly config: PipelineConfig;
  /** Version of the code that runs the pipeline (package version + git commit when known). */
  readonly codeVersion: string;
}

/** Result of the pipeline workflow. */
export interface PipelineResult {
  readonly modelName: string;
  readonly version: number;
  readonly gatePassed: boolean;
  readonly steps: readonly StepRecord[];
}

/** Live progress, answered by the workflow's progress query. */
export interface PipelineProgress {
  readonly currentStep: StepName | 'done' | 'failed' | 'starting';
  readonly completed: readonly StepName[];
  readonly summaries: Readonly<Partial<Record<StepName, Record<string, unknown>>>>;
}

/** Heartbeat details of long steps: what the CLI shows and what a retry resumes from. */
export interface TrainingHeartbeat {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  readonly epoch?: number;
  readonly loss?: number;
  /** Checkpoints written so far, by student name; a retried attempt resumes from them. */
  readonly checkpoints?: Readonly<Record<string, { epoch: number; ref: ArtifactRef }>>;
}
