/**
 * `register` (CPU task queue): records a new version of the model with its metrics, gate
 * decision, artifacts and full lineage, in one registry transaction. Idempotent: a retried
 * attempt for the same workflow run returns the version the first attempt created.
 */
import { Context, log } from '@temporalio/activity';

import type { PipelineConfig } from '../common/config';
import type { ArtifactRef, StepRecord } from '../common/contracts';
import { canonicalJson, sha256 } from '../core/util/hash';
import { recordRunStatus, registerModelVersion } from '../registry/repository';
import type { RegisterResult } from '../registry/types';
import type { ActivityDeps } from './deps';
import { asStep } from './failures';
import type { GateDecision, ModelFigures } from './evaluation';

/** Input of `register`. */
export interface RegisterStepInput {
  readonly config: PipelineConfig;
  readonly codeVersion: string;
  readonly startedAt: string;
  readonly dataset: ArtifactRef;
  readonly student: ArtifactRef;
  readonly teacher: { readonly name: string; readonly version: string; readonly sha256: string };
  readonly features: unknown;
  readonly figures: Readonly<Record<string, ModelFigures>>;
  readonly gate: GateDecision;
  readonly steps: readonly StepRecord[];
}

/** Input of `recordFailure`: a run that ended without a version. */
export interface RecordFailureInput {
  readonly config: PipelineConfig;
  readonly codeVersion: string;
  readonly startedAt: string;
  readonly status: 'failed' | 'cancelled';
}

/** Creates the registry activities. */
export function createRegistryActivities(deps: ActivityDeps) {
  /** Registers the run's model version. */
  async function register(input: RegisterStepInput): Promise<RegisterResult> {
    return asStep(async () => {
      const workflowExecution = currentWorkflow();
      const registry = await deps.registry();
      const result = await registerModelVersion(registry, {
        modelName: input.config.modelName,
        run: {
          workflowId: workflowExecution.workflowId,
          temporalRunId: workflowExecution.runId,
          configHash: configHash(input.config),
          config: input.config as unknown as Record<string, unknown>,
          datasetUri: input.dataset.uri,
          datasetSha256: input.dataset.sha256,
          codeVersion: input.codeVersion,
          triggeredBy: input.config.triggeredBy,
          startedAt: input.startedAt,
        },
        steps: input.steps,
        metrics: flattenFigures(input.figures),
        gate: { ...input.gate },
        student: input.student,
        teacher: input.teacher,
        features: input.features,
      });
      log.info('model registered', { model: result.modelName, version: result.version, created: result.created });
      return result;
    });
  }

  /** Records a run that failed or was cancelled, so that the registry lists it too. */
  async function recordFailure(input: RecordFailureInput): Promise<void> {
    const workflowExecution = currentWorkflow();
    await recordRunStatus(await deps.registry(), {
      workflowId: workflowExecution.workflowId,
      temporalRunId: workflowExecution.runId,
      modelName: input.config.modelName,
      status: input.status,
      startedAt: input.startedAt,
      finishedAt: new Date().toISOString(),
      config: input.config as unknown as Record<string, unknown>,
      configHash: configHash(input.config),
      codeVersion: input.codeVersion,
      triggeredBy: input.config.triggeredBy,
    });
  }

  return { register, recordFailure };
}

function currentWorkflow(): { workflowId: string; runId: string } {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('register must run as an activity of a workflow');
  return execution;
}

/** Headline figures at the top level (`studentMacroF1`, …) plus the full table under `figures`. */
function flattenFigures(figures: Readonly<Record<string, ModelFigures>>): Record<string, unknown> {
  const flat: Record<string, unknown> = { figures };
  for (const [model, f] of Object.entries(figures)) {
    for (const [name, value] of Object.entries(f)) {
      if (typeof value === 'number') flat[`${model}${name[0]!.toUpperCase()}${name.slice(1)}`] = value;
    }
  }
  return flat;
}

/** SHA-256 over the canonical JSON of the configuration. */
export function configHash(config: PipelineConfig): string {
  return sha256(canonicalJson(config));
}
