/**
 * Batch scoring through the API: resolves the model version and the data file, then starts the
 * batch-prediction workflow on the CPU task queue (whose worker hosts both the workflow and its
 * activity), and follows it by workflow id.
 */
import { randomUUID } from 'node:crypto';
import { access, constants } from 'node:fs/promises';

import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';

import type { BatchPredictInput } from '../../activities/batch-predict';
import type { ArtifactStore } from '../../artifacts/store';
import { BATCH_PREDICT_WORKFLOW, CPU_TASK_QUEUE } from '../../common/constants';
import { getDataset } from '../../registry/datasets';
import type { Registry } from '../../registry/db';
import { RegistryError } from '../../registry/errors';
import type { ApiPrincipal } from '../../registry/keys';
import { findServableVersion, latestVersion, type ServableVersion } from '../../registry/versions';
import type { BatchPredictResult } from '../../workflows/batch-predict';
import { resolveDataPath } from '../datasets/data-folder';
import { actorName } from '../http/principal';
import { validationError } from '../http/validation';
import { RegistryService } from '../registry/registry.service';
import type { ApiSettings } from '../settings/api-settings';
import { API_SETTINGS, ARTIFACT_STORE } from '../settings/settings.module';
import { TemporalService } from '../temporal/temporal.service';
import { failureOf, liveStatus } from '../temporal/workflow-status';
import type { BatchPredictView, StartBatchPredictRequest, StartedBatchPredict } from './batch-predict';

/** What the workflow's memo records, so that `GET` can tell which model a workflow id scores with. */
interface BatchPredictMemo {
  readonly modelName: string;
  readonly version: number;
  readonly requestedBy: string;
}

@Injectable()
export class BatchPredictService {
  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(TemporalService) private readonly temporal: TemporalService,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  /**
   * Starts scoring `request.data` (or the uploaded `request.dataset`) with the version the request
   * names (by default the latest), pinned by number so that a later alias move does not change it.
   * @throws RegistryError (404) for an unknown model, version, alias or dataset; ConflictException for
   *   an archived version, or ({@link NoWorkerBody}) when no worker polls the CPU task queue;
   *   BadRequestException naming `data` when the path leaves the data folder or cannot be read.
   */
  async start(
    modelName: string,
    request: StartBatchPredictRequest,
    caller: ApiPrincipal,
  ): Promise<StartedBatchPredict> {
    const registry = await this.registry.get();
    const servable = await servableVersion(registry, modelName, request);
    if (servable.archived) {
      throw new ConflictException(`${modelName} v${servable.version} is archived and serves no predictions`);
    }
    const dataPath = await this.dataPathOf(registry, request);
    await this.temporal.requirePollers([
      { field: 'taskQueue', taskQueue: CPU_TASK_QUEUE, kind: 'workflow' },
      { field: 'taskQueue (data steps)', taskQueue: CPU_TASK_QUEUE, kind: 'activity' },
    ]);
    const input: BatchPredictInput = {
      model: `${modelName}@${servable.version}`,
      dataPath,
      ...(request.idColumn === undefined ? {} : { idColumn: request.idColumn }),
    };
    const memo: BatchPredictMemo = { modelName, version: servable.version, requestedBy: actorName(caller) };
    const workflowId = `batch-predict-${modelName}-${randomUUID()}`;
    const client = await this.temporal.client();
    await client.workflow.start(BATCH_PREDICT_WORKFLOW, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId,
      args: [input],
      memo: { ...memo },
    });
    return { workflowId, modelName, version: servable.version, status: 'running' };
  }

  /**
   * The workflow's live status; once it succeeded, its result.
   * @throws NotFoundException when no batch prediction of this model has this workflow id.
   */
  async get(modelName: string, workflowId: string): Promise<BatchPredictView> {
    const client = await this.temporal.client();
    const handle = client.workflow.getHandle(workflowId);
    const notFound = () => new NotFoundException(`no batch prediction of '${modelName}' has id '${workflowId}'`);
    const description = await handle.describe().catch(() => {
      throw notFound();
    });
    const memo = (description.memo ?? {}) as Partial<BatchPredictMemo>;
    if (description.type !== BATCH_PREDICT_WORKFLOW || memo.modelName !== modelName) throw notFound();
    const status = liveStatus(description.status.name);
    return {
      workflowId,
      modelName,
      version: Number(memo.version),
      status,
      startedAt: description.startTime.toISOString(),
      finishedAt: description.closeTime?.toISOString() ?? null,
      result: status === 'succeeded' ? ((await handle.result()) as BatchPredictResult) : null,
      failure: status === 'failed' ? await failureOf(handle) : null,
    };
  }

  private async dataPathOf(registry: Registry, request: StartBatchPredictRequest): Promise<string> {
    if (request.dataset !== undefined) {
      const dataset = await getDataset(registry, request.dataset);
      // Verified against its SHA-256 before the workflow reads it.
      return this.store.localPath({ uri: dataset.uri, sha256: dataset.sha256, kind: 'dataset', bytes: dataset.bytes });
    }
    const path = await resolveDataPath(this.settings.dataDir, request.data!, 'data');
    await access(path, constants.R_OK).catch(() => {
      throw validationError([{ field: 'data', message: 'the data file cannot be read' }]);
    });
    return path;
  }
}

/**
 * The version a request names: `version`, the version `alias` names, or the latest.
 * @throws RegistryError (reason 'not found') for an unknown model, version or alias.
 */
async function servableVersion(
  registry: Registry,
  modelName: string,
  request: StartBatchPredictRequest,
): Promise<ServableVersion> {
  if (request.alias !== undefined) return findServableVersion(registry, modelName, { alias: request.alias });
  const version = request.version ?? (await latestVersion(registry, modelName));
  if (version === null) {
    throw new RegistryError(`model '${modelName}' not found in the registry`, { reason: 'not found', modelName });
  }
  return findServableVersion(registry, modelName, { version });
}
