/** Registered models for the HTTP API: listing, details, lineage, aliases, archiving, prediction. */
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  UnprocessableEntityException,
} from '@nestjs/common';

import type { ArtifactStore } from '../../artifacts/store';
import type { StudentBundle } from '../../core/bundle';
import { setAlias } from '../../registry/aliases';
import { getLineage, listModelVersions } from '../../registry/lineage';
import { lineageGraph, type LineageGraph } from '../../registry/lineage-graph';
import type { AliasMove, ModelLineage, ModelVersionSummary } from '../../registry/types';
import {
  archiveModelVersion,
  getModelVersion,
  listAliasHistory,
  listModels,
  type AliasHistoryEntry,
  type ModelSummary,
  type ModelVersionDetail,
} from '../../registry/versions';
import { CLOCK, type Clock } from '../http/ttl-cache';
import { MetricsService } from '../metrics/metrics.service';
import { RegistryService } from '../registry/registry.service';
import type { ApiSettings } from '../settings/api-settings';
import { API_SETTINGS, ARTIFACT_STORE } from '../settings/settings.module';
import { recordWarnings, type PredictRequest, type PredictResponse } from './predict';
import { labelled, PredictorCache } from './predictor-cache';
import { ServableVersionCache } from './servable-cache';

/** The alias served when a predict request names neither an alias nor a version. */
export const DEFAULT_SERVING_ALIAS = 'production';

/**
 * The models routes' registry work. Predictions resolve their alias or version through a
 * {@link ServableVersionCache} (`DISTILLERY_ALIAS_CACHE_TTL_MS`), which the alias moves and archives
 * made here clear at once, and keep loaded bundles in a {@link PredictorCache}.
 */
@Injectable()
export class ModelsService {
  private readonly predictors: PredictorCache;
  private readonly servable: ServableVersionCache;

  constructor(
    @Inject(RegistryService) private readonly registry: RegistryService,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.predictors = new PredictorCache(settings.predictorCacheSize);
    this.servable = new ServableVersionCache(settings.aliasCacheTtlMs, clock);
  }

  /** Every model with its latest version and aliases. */
  async models(): Promise<ModelSummary[]> {
    return listModels(await this.registry.get());
  }

  /** Versions of one model (of every model when `modelName` is omitted), newest first. */
  async list(modelName?: string): Promise<ModelVersionSummary[]> {
    return listModelVersions(await this.registry.get(), modelName);
  }

  /** One version with metrics, gate decision, aliases and artifacts. @throws RegistryError (404). */
  async version(modelName: string, version: number): Promise<ModelVersionDetail> {
    return getModelVersion(await this.registry.get(), modelName, version);
  }

  /** Lineage of one version, with the same lineage as a graph. @throws RegistryError (404). */
  async lineage(modelName: string, version: number): Promise<ModelLineage & { graph: LineageGraph }> {
    const lineage = await getLineage(await this.registry.get(), modelName, version);
    return { ...lineage, graph: lineageGraph(lineage) };
  }

  /** Where each alias points now, and every move, newest first. */
  async aliases(modelName: string): Promise<{ aliases: Record<string, number>; history: AliasHistoryEntry[] }> {
    const registry = await this.registry.get();
    const model = (await listModels(registry)).find((m) => m.name === modelName);
    if (!model) return { aliases: {}, history: [] };
    return { aliases: { ...model.aliases }, history: await listAliasHistory(registry, modelName) };
  }

  /**
   * Moves an alias atomically, with history; this process's next prediction serves the new version.
   * @throws RegistryError (404, 409 for an archived version).
   */
  async moveAlias(modelName: string, alias: string, version: number, actor: string): Promise<AliasMove> {
    const registry = await this.registry.get();
    try {
      return await setAlias(registry, modelName, alias, version, actor);
    } finally {
      this.servable.forget(modelName);
    }
  }

  /**
   * Archives a version; this process refuses to predict with it from the next request on.
   * @throws RegistryError (409 while it holds an alias, 404).
   */
  async archive(modelName: string, version: number, actor: string): Promise<ModelVersionDetail> {
    const registry = await this.registry.get();
    try {
      await archiveModelVersion(registry, modelName, version, actor);
    } finally {
      this.servable.forget(modelName);
    }
    return getModelVersion(registry, modelName, version);
  }

  /**
   * Predicts raw records with the version an alias names or the given version.
   * @throws BadRequestException past the batch limit; ConflictException for an archived version;
   *   UnprocessableEntityException when the records cannot be predicted; RegistryError (404).
   */
  async predict(modelName: string, request: PredictRequest): Promise<PredictResponse> {
    this.checkBatch(request.records.length);
    const started = process.hrtime.bigint();
    const selector =
      request.version === undefined ? { alias: request.alias ?? DEFAULT_SERVING_ALIAS } : { version: request.version };
    const servable = await this.servable.resolve(await this.registry.get(), modelName, selector);
    if (servable.archived) {
      throw new ConflictException(`${modelName} v${servable.version} is archived and serves no predictions`);
    }

    const { bundle, predict } = await this.predictors.get(`${modelName}@${servable.version}`, () =>
      this.store.getJson<StudentBundle>({ ...servable.student, kind: 'student', bytes: 0 }),
    );
    let rows: Float64Array[];
    try {
      rows = predict(request.records);
    } catch (error) {
      throw new UnprocessableEntityException(`the records cannot be predicted: ${String(error)}`);
    }
    this.metrics.predictLatency.observe({ model: modelName }, Number(process.hrtime.bigint() - started) / 1e9);
    this.metrics.predictRecords.inc({ model: modelName }, request.records.length);
    const warnings = recordWarnings(bundle, request.records);
    return { modelName, version: servable.version, predictions: labelled(bundle, rows), warnings };
  }

  private checkBatch(size: number): void {
    const limit = this.settings.predictMaxBatch;
    if (size <= limit) return;
    throw new BadRequestException({
      statusCode: 400,
      error: 'ValidationError',
      message: `invalid request: records: at most ${limit} records per request, got ${size}`,
      field: 'records',
      issues: [{ field: 'records', message: `at most ${limit} records per request, got ${size}` }],
    });
  }
}
