/** Read access to registered models for the HTTP API. */
import { Inject, Injectable } from '@nestjs/common';

import { getLineage, listModelVersions } from '../../registry/repository';
import type { ModelLineage, ModelVersionSummary } from '../../registry/types';
import { RegistryService } from '../registry/registry.service';

/** Queries the registry on behalf of {@link ModelsController}. */
@Injectable()
export class ModelsService {
  constructor(@Inject(RegistryService) private readonly registry: RegistryService) {}

  /** Versions of one model, or of every model when `modelName` is omitted, newest first. */
  async list(modelName?: string): Promise<ModelVersionSummary[]> {
    return listModelVersions(await this.registry.get(), modelName);
  }

  /**
   * Lineage of one model version.
   * @throws RegistryError (reason 'not found') when the model or the version does not exist.
   */
  async lineage(modelName: string, version: number): Promise<ModelLineage> {
    return getLineage(await this.registry.get(), modelName, version);
  }
}
