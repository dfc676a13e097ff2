/**
 * Starting, following, cancelling, retrying and deleting pipeline runs. A run's id in the API is its
 * Temporal workflow id. Every configuration is validated completely, and the task queues it needs
 * are checked for pollers, before a workflow starts.
 */
import { randomUUID } from 'node:crypto';
import { access, constants } from 'node:fs/promises';

import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { WorkflowHandle } from '@temporalio/client';

import type { ArtifactStore } from '../../artifacts/store';
import { apiCodeVersion } from './code-version';
import { parsePipelineConfig, type PipelineConfig } from '../../common/config';
import {
  ACCELERATOR_TASK_QUEUE,
  CPU_TASK_QUEUE,
  PIPELINE_STEPS,
  PIPELINE_WORKFLOW,
  PROGRESS_QUERY,
} from '../../common/constants';
import type { PipelineInput, PipelineProgress } from '../../common/contracts';
import { InvalidConfigError } from '../../common/errors';
import { getDataset } from '../../registry/datasets';
import type { ApiPrincipal } from '../../registry/keys';
import {
  deleteRun,
  findRunOfWorkflow,
  listRuns,
  recordRunStatus,
  type RunDetail,
  type RunSummary,
} from '../../registry/runs';
import { resolveDataPath } from '../datasets/data-folder';
import { MetricsService } from '../metrics/metrics.service';
import { actorName } from '../http/principal';
import { validationError } from '../http/validation';
import { RegistryService } from '../registry/registry.service';
import type { ApiSettings } from '../settings/api-settings';
import { API_SETTINGS, ARTIFACT_STORE } from '../settings/settings.module';
import { TemporalService } from '../temporal/temporal.service';
import { failureOf, liveStatus } from '../temporal/workflow-status';
import type { LiveRunStatus, RunView, StartedRun, StartRunRequest, StepStatus } from './run-request';

export type { NoWorkerBody } from '../temporal/temporal.service';

/**
 * How long `GET /runs/:id` waits for the progress query. A busy or absent worker (a closed run's
 * query needs one to replay it) must not stall the request: past this, steps come from the registry.
 */
export const PROGRESS_QUERY_TIMEOUT_MS = 2_000;
const RETRYABLE: readonly LiveRunStatus[] = ['failed', 'cancelled', 'terminated', 'timed_out'];

@Injectable()
export class RunsService {
  private readonly codeVersion = apiCodeVersion();

  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(TemporalService) private readonly temporal: TemporalService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /**
   * Validates a run request completely, then starts the pipeline.
   * @throws BadRequestException naming the field (configuration, dataset, data path);
   *   ConflictException ({@link NoWorkerBody}) when a task queue the run needs has no poller.
   */
  async start(request: StartRunRequest, caller: ApiPrincipal): Promise<StartedRun> {
    const { config } = await this.pipelineInput(request, caller);
    return this.launch(config, request.taskQueue);
  }

  /**
   * The pipeline input of a run request: its data path resolved (inside the data folder, or the
   * verified uploaded dataset) and its configuration validated with every default applied.
   * @throws BadRequestException naming the field at fault.
   */
  async pipelineInput(request: StartRunRequest, caller: ApiPrincipal): Promise<PipelineInput> {
    return { config: await this.validatedConfig(request, caller), codeVersion: this.codeVersion };
  }

  /** Runs recorded in the registry, newest first. */
  async list(query: {
    model?: string;
    status?: RunSummary['status'];
    triggeredBy?: string;
    since?: string;
    limit: number;
  }) {
    const { model, since, ...rest } = query;
    return listRuns(await this.registry.get(), {
      ...rest,
      modelName: model,
      since: since ? new Date(since) : undefined,
    });
  }

  /**
   * A run's live status from Temporal, with each step's status from the workflow's progress query
   * and the version it registered.
   * @throws NotFoundException when no workflow has this id.
   */
  async get(runId: string): Promise<RunView> {
    const handle = await this.handle(runId);
    const description = await handle.describe().catch(() => {
      throw new NotFoundException(`run '${runId}' not found`);
    });
    const status = liveStatus(description.status.name);
    const [record, progress, failure] = await Promise.all([
      findRunOfWorkflow(await this.registry.get(), runId),
      withinMs(handle.query<PipelineProgress>(PROGRESS_QUERY), PROGRESS_QUERY_TIMEOUT_MS).catch(() => undefined),
      status === 'failed' ? failureOf(handle) : Promise.resolve(null),
    ]);
    return {
      runId,
      temporalRunId: description.runId,
      modelName: record?.modelName ?? null,
      status,
      triggeredBy: record?.triggeredBy ?? null,
      startedAt: description.startTime.toISOString(),
      finishedAt: description.closeTime?.toISOString() ?? null,
      currentStep: progress?.currentStep ?? (status === 'succeeded' ? 'done' : status),
      steps: stepStatuses(status, progress, record),
      version: record?.version ?? null,
      failure,
    };
  }

  /**
   * Requests cancellation; the workflow records the run as cancelled.
   * @throws ConflictException when the run is not running.
   */
  async cancel(runId: string): Promise<{ runId: string; status: 'cancelling' }> {
    const view = await this.get(runId);
    if (view.status !== 'running') throw new ConflictException(`run '${runId}' is ${view.status}, not running`);
    await (await this.handle(runId)).cancel();
    return { runId, status: 'cancelling' };
  }

  /**
   * Starts a new run with the configuration of a run that failed, was cancelled, terminated or timed out,
   * on the default task queue (the registry does not record the queue a run was started on).
   * @throws ConflictException when the run is running or succeeded, or a task queue has no poller.
   */
  async retry(runId: string, caller: ApiPrincipal): Promise<StartedRun> {
    const view = await this.get(runId);
    if (!RETRYABLE.includes(view.status))
      throw new ConflictException(`run '${runId}' is ${view.status}: only a failed run can be retried`);
    const record = await findRunOfWorkflow(await this.registry.get(), runId);
    if (!record?.config) throw new ConflictException(`run '${runId}' has no recorded configuration to retry with`);
    const config = parsePipelineConfig({ ...record.config, triggeredBy: actorName(caller) });
    return { ...(await this.launch(config, CPU_TASK_QUEUE)), retryOf: runId };
  }

  /**
   * Deletes a run's registry record (step executions and lineage events go with it); Temporal keeps
   * the workflow's history for its retention period.
   * @throws ConflictException when the run is running; RegistryError (reason 'has versions', 409)
   * when a model version came from it; NotFoundException when the registry has no such run.
   */
  async remove(runId: string): Promise<void> {
    const description = await (await this.handle(runId)).describe().catch(() => undefined);
    if (description && liveStatus(description.status.name) === 'running') {
      throw new ConflictException(`run '${runId}' is running: cancel it before deleting it`);
    }
    const registry = await this.registry.get();
    const record = await findRunOfWorkflow(registry, runId);
    if (!record) throw new NotFoundException(`run '${runId}' not found`);
    await deleteRun(registry, record.id);
  }

  private async validatedConfig(request: StartRunRequest, caller: ApiPrincipal): Promise<PipelineConfig> {
    const dataPath = await this.dataPathOf(request);
    let config: PipelineConfig;
    try {
      config = parsePipelineConfig({ ...request.config, dataPath, triggeredBy: actorName(caller) });
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      const field = `config.${String(error.details.field)}`;
      throw validationError([{ field, message: error.message.replace(/^invalid configuration: [^:]+: /, '') }]);
    }
    await access(config.dataPath, constants.R_OK).catch(() => {
      throw validationError([{ field: 'config.dataPath', message: 'the data file cannot be read' }]);
    });
    return config;
  }

  private async dataPathOf(request: StartRunRequest): Promise<string> {
    if (request.datasetSha256 === undefined) {
      return resolveDataPath(this.settings.dataDir, String(request.config.dataPath), 'config.dataPath');
    }
    const dataset = await getDataset(await this.registry.get(), request.datasetSha256);
    // Verified against its SHA-256 before any run reads it.
    return this.store.localPath({ uri: dataset.uri, sha256: dataset.sha256, kind: 'dataset', bytes: dataset.bytes });
  }

  private async launch(config: PipelineConfig, taskQueue: string): Promise<StartedRun> {
    await this.requirePollers(taskQueue);
    const client = await this.temporal.client();
    const runId = `run-${config.modelName}-${randomUUID()}`;
    const input: PipelineInput = { config, codeVersion: this.codeVersion };
    const handle = await client.workflow.start(PIPELINE_WORKFLOW, { taskQueue, workflowId: runId, args: [input] });
    await recordRunStatus(await this.registry.get(), {
      workflowId: runId,
      temporalRunId: handle.firstExecutionRunId,
      modelName: config.modelName,
      status: 'running',
      startedAt: new Date().toISOString(),
      config: config as unknown as Record<string, unknown>,
      codeVersion: this.codeVersion,
      triggeredBy: config.triggeredBy,
    });
    this.metrics.runsStarted.inc();
    return { runId, temporalRunId: handle.firstExecutionRunId, modelName: config.modelName, status: 'running' };
  }

  /** @throws ConflictException ({@link NoWorkerBody}) naming the first queue that has no poller. */
  async requirePollers(taskQueue: string): Promise<void> {
    await this.temporal.requirePollers([
      { field: 'taskQueue', taskQueue, kind: 'workflow' },
      { field: 'taskQueue (data steps)', taskQueue: CPU_TASK_QUEUE, kind: 'activity' },
      { field: 'taskQueue (training steps)', taskQueue: ACCELERATOR_TASK_QUEUE, kind: 'activity' },
    ]);
  }

  private async handle(runId: string): Promise<WorkflowHandle> {
    return (await this.temporal.client()).workflow.getHandle(runId);
  }
}

function stepStatuses(
  status: LiveRunStatus,
  progress: PipelineProgress | undefined,
  record: RunDetail | null,
): StepStatus[] {
  const completed = new Set<string>(progress?.completed ?? record?.steps.map((s) => s.step) ?? []);
  if (status === 'succeeded') completed.add('register');
  const current = progress?.currentStep;
  const ended: StepStatus['status'] =
    status === 'running' ? 'running' : status === 'cancelled' ? 'cancelled' : 'failed';
  let passedCurrent = false;
  return PIPELINE_STEPS.map((step) => {
    if (completed.has(step)) return { step, status: 'completed', summary: progress?.summaries[step] };
    if (!passedCurrent && (step === current || (status !== 'running' && status !== 'succeeded'))) {
      passedCurrent = true;
      return { step, status: ended };
    }
    return { step, status: 'pending' };
  });
}

function withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
