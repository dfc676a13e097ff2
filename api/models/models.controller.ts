/** HTTP routes over the model registry. */
import { Controller, Get, Inject, Param, ParseIntPipe, Query } from '@nestjs/common';

import type { ModelLineage, ModelVersionSummary } from '../../registry/types';
import { ModelsService } from './models.service';

/** `GET /models` and `GET /models/:name/versions/:version/lineage`. */
@Controller('models')
export class ModelsController {
  constructor(@Inject(ModelsService) private readonly models: ModelsService) {}

  /** Every registered model version, newest first; `?name=` keeps one model's versions. */
  @Get()
  list(@Query('name') name?: string): Promise<ModelVersionSummary[]> {
    return this.models.list(name || undefined);
  }

  /**
   * Lineage of one version: run, dataset, teacher, steps and their artifacts.
   * Answers 404 (a `RegistryErrorBody` naming the model) when the model or version does not exist,
   * and 400 when `version` is not an integer.
   */
  @Get(':name/versions/:version/lineage')
  lineage(@Param('name') name: string, @Param('version', ParseIntPipe) version: number): Promise<ModelLineage> {
    return this.models.lineage(name, version);
  }
}
