/** `/models/:name/batch-predict`: scores a CSV file with a registered version, as a workflow. */
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiDefaultResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';

import type { ApiPrincipal } from '../../registry/keys';
import { RequiresRole } from '../auth/roles';
import { BATCH_PREDICT_STARTED, BATCH_PREDICT_VIEW, ERROR_SCHEMA } from '../http/responses';
import { Caller } from '../http/principal';
import { openApiSchema, ZodPipe } from '../http/validation';
import {
  startBatchPredictSchema,
  type BatchPredictView,
  type StartBatchPredictRequest,
  type StartedBatchPredict,
} from './batch-predict';
import { BatchPredictService } from './batch-predict.service';

@ApiTags('models')
@ApiDefaultResponse({ description: 'An error: status, error name, message, field at fault.', schema: ERROR_SCHEMA })
@Controller('models')
export class BatchPredictController {
  constructor(@Inject(BatchPredictService) private readonly batch: BatchPredictService) {}

  /**
   * Starts the batch-prediction workflow: every row of a CSV file of the data folder (or of an
   * uploaded dataset) scored with the version named by `version` or `alias` (default: the latest).
   * The predictions (row id, label, one probability per class) become a Parquet artifact; follow the
   * workflow with `GET /models/:name/batch-predict/:workflowId`.
   */
  @Post(':name/batch-predict')
  @HttpCode(202)
  @RequiresRole('operator')
  @ApiBody({ schema: openApiSchema(startBatchPredictSchema) })
  @ApiAcceptedResponse({ description: 'The workflow started.', schema: BATCH_PREDICT_STARTED })
  @ApiBadRequestResponse({ description: 'ValidationError: `field` names the request field at fault.' })
  @ApiNotFoundResponse({ description: 'No such model, version, alias or dataset.' })
  @ApiConflictResponse({ description: 'The version is archived, or no worker polls the CPU task queue.' })
  start(
    @Param('name') name: string,
    @Body(new ZodPipe(startBatchPredictSchema)) body: StartBatchPredictRequest,
    @Caller() caller: ApiPrincipal,
  ): Promise<StartedBatchPredict> {
    return this.batch.start(name, body, caller);
  }

  /** The workflow's live status; once succeeded, the predictions artifact, rows and rows per class. */
  @Get(':name/batch-predict/:workflowId')
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'The batch prediction, live.', schema: BATCH_PREDICT_VIEW })
  @ApiNotFoundResponse({ description: 'No batch prediction of this model has this workflow id.' })
  get(@Param('name') name: string, @Param('workflowId') workflowId: string): Promise<BatchPredictView> {
    return this.batch.get(name, workflowId);
  }
}
