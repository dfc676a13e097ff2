/** `/models`: registered models, versions, lineage, aliases, archiving and prediction. */
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags, ApiDefaultResponse } from '@nestjs/swagger';
import { z } from 'zod';

import type { ApiPrincipal } from '../../registry/keys';
import type { LineageGraph } from '../../registry/lineage-graph';
import type { AliasMove, ModelLineage, ModelVersionSummary } from '../../registry/types';
import type { AliasHistoryEntry, ModelSummary, ModelVersionDetail } from '../../registry/versions';
import { RequiresRole } from '../auth/roles';
import {
  ALIAS_MOVE,
  ALIASES,
  LINEAGE,
  VERSION_DETAIL,
  MODEL_SUMMARIES,
  PREDICT_RESPONSE,
  VERSION_SUMMARIES,
  ERROR_SCHEMA,
} from '../http/responses';
import { actorName, Caller } from '../http/principal';
import { openApiSchema, parseRequest, positiveInt, ZodPipe } from '../http/validation';
import { ModelsService } from './models.service';
import { predictSchema, type PredictRequest, type PredictResponse } from './predict';

/** Body of `PUT /models/:name/aliases/:alias`. */
export const moveAliasSchema = z.object({
  version: z.number().int().positive().describe('The version the alias should name.'),
});

@ApiTags('models')
@ApiDefaultResponse({ description: 'An error: status, error name, message, field at fault.', schema: ERROR_SCHEMA })
@Controller('models')
export class ModelsController {
  constructor(@Inject(ModelsService) private readonly models: ModelsService) {}

  /** Every model: name, latest version, and the version each alias names. */
  @Get()
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'Every model.', schema: MODEL_SUMMARIES })
  list(): Promise<ModelSummary[]> {
    return this.models.models();
  }

  /** Versions of one model, newest first, with headline metrics and the gate decision. */
  @Get(':name/versions')
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'Versions, newest first.', schema: VERSION_SUMMARIES })
  versions(@Param('name') name: string): Promise<ModelVersionSummary[]> {
    return this.models.list(name);
  }

  /** One version: metrics, gate decision, teacher, student, aliases, archive state and its run's artifacts. */
  @Get(':name/versions/:version')
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'The version in full.', schema: VERSION_DETAIL })
  @ApiNotFoundResponse({ description: 'No such model or version.' })
  version(@Param('name') name: string, @Param('version') version: string): Promise<ModelVersionDetail> {
    return this.models.version(name, parseRequest(positiveInt, version));
  }

  /**
   * Lineage of one version: run, dataset, teacher, steps with their artifacts, code version, and
   * `graph: { nodes, edges }` (dataset → steps → artifacts → version).
   */
  @Get(':name/versions/:version/lineage')
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'The lineage, with its graph.', schema: LINEAGE })
  @ApiNotFoundResponse({ description: 'No such model or version.' })
  lineage(
    @Param('name') name: string,
    @Param('version') version: string,
  ): Promise<ModelLineage & { graph: LineageGraph }> {
    return this.models.lineage(name, parseRequest(positiveInt, version));
  }

  /** Where each alias points, and the history of every move (who, when, from, to). */
  @Get(':name/aliases')
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'Aliases and their history.', schema: ALIASES })
  aliases(@Param('name') name: string): Promise<{ aliases: Record<string, number>; history: AliasHistoryEntry[] }> {
    return this.models.aliases(name);
  }

  /** Points an alias (e.g. `production`) at a version, atomically: no two versions ever hold it at once. */
  @Put(':name/aliases/:alias')
  @RequiresRole('admin')
  @ApiBody({ schema: openApiSchema(moveAliasSchema) })
  @ApiOkResponse({ description: 'The move.', schema: ALIAS_MOVE })
  @ApiConflictResponse({ description: 'The version is archived.' })
  moveAlias(
    @Param('name') name: string,
    @Param('alias') alias: string,
    @Body(new ZodPipe(moveAliasSchema)) body: z.output<typeof moveAliasSchema>,
    @Caller() caller: ApiPrincipal,
  ): Promise<AliasMove> {
    return this.models.moveAlias(name, alias, body.version, actorName(caller));
  }

  /** Archives a version: it keeps its lineage but takes no alias and serves no predictions. */
  @Post(':name/versions/:version/archive')
  @HttpCode(200)
  @RequiresRole('admin')
  @ApiOkResponse({ description: 'The archived version.', schema: VERSION_DETAIL })
  @ApiConflictResponse({ description: 'An alias still names the version.' })
  archive(
    @Param('name') name: string,
    @Param('version') version: string,
    @Caller() caller: ApiPrincipal,
  ): Promise<ModelVersionDetail> {
    return this.models.archive(name, parseRequest(positiveInt, version), actorName(caller));
  }

  /**
   * Predicts raw records (as in the training CSV) with the stored transform, calibration and
   * threshold. Unseen categories go to the unknown bucket and are reported in `warnings`.
   */
  @Post(':name/predict')
  @HttpCode(200)
  @RequiresRole('operator')
  @ApiBody({ schema: openApiSchema(predictSchema) })
  @ApiOkResponse({ description: 'Predictions and warnings.', schema: PREDICT_RESPONSE })
  @ApiBadRequestResponse({ description: 'Invalid records, or more than DISTILLERY_PREDICT_MAX_BATCH of them.' })
  @ApiConflictResponse({ description: 'The version is archived.' })
  predict(
    @Param('name') name: string,
    @Body(new ZodPipe(predictSchema)) body: PredictRequest,
  ): Promise<PredictResponse> {
    return this.models.predict(name, body);
  }
}
