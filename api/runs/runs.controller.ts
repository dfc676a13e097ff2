/** `/runs`: start, list, follow, cancel, retry and delete pipeline runs. */
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
  ApiDefaultResponse,
} from '@nestjs/swagger';
import type { z } from 'zod';

import type { RunSummary } from '../../registry/runs';
import type { ApiPrincipal } from '../../registry/keys';
import { RequiresRole } from '../auth/roles';
import { CANCELLING, ERROR_SCHEMA, RUN_SUMMARIES, RUN_VIEW, STARTED_RUN } from '../http/responses';
import { Caller } from '../http/principal';
import { openApiSchema, ZodPipe } from '../http/validation';
import { listRunsSchema, startRunSchema, type RunView, type StartedRun, type StartRunRequest } from './run-request';
import { RunsService } from './runs.service';

@ApiTags('runs')
@ApiDefaultResponse({ description: 'An error: status, error name, message, field at fault.', schema: ERROR_SCHEMA })
@Controller('runs')
export class RunsController {
  constructor(@Inject(RunsService) private readonly runs: RunsService) {}

  /**
   * Starts the pipeline on an uploaded dataset or a file of the data folder. The configuration is
   * validated completely first: nothing starts when a field is wrong (400 naming it) or a task
   * queue the run needs has no worker polling it (409 naming the queue).
   */
  @Post()
  @RequiresRole('operator')
  @ApiBody({ schema: openApiSchema(startRunSchema) })
  @ApiCreatedResponse({ description: 'The run started.', schema: STARTED_RUN })
  @ApiBadRequestResponse({ description: 'ValidationError: `field` names the request field at fault.' })
  @ApiConflictResponse({ description: 'NoWorker: `taskQueue` has no worker polling it.' })
  start(@Body(new ZodPipe(startRunSchema)) body: StartRunRequest, @Caller() caller: ApiPrincipal): Promise<StartedRun> {
    return this.runs.start(body, caller);
  }

  /** Runs as recorded in the registry, newest first, filtered by model, status, actor and start time. */
  @Get()
  @RequiresRole('viewer')
  @ApiQuery({ name: 'model', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['running', 'succeeded', 'failed', 'cancelled'] })
  @ApiQuery({ name: 'triggeredBy', required: false })
  @ApiQuery({ name: 'since', required: false, description: 'ISO 8601 instant' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ description: 'Runs, newest first.', schema: RUN_SUMMARIES })
  list(@Query(new ZodPipe(listRunsSchema)) query: z.output<typeof listRunsSchema>): Promise<RunSummary[]> {
    return this.runs.list(query);
  }

  /** Live status from Temporal, every step's status and summary (progress query), and the registered version. */
  @Get(':runId')
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'The run, live.', schema: RUN_VIEW })
  @ApiNotFoundResponse({ description: 'No run has this id.' })
  get(@Param('runId') runId: string): Promise<RunView> {
    return this.runs.get(runId);
  }

  /** Asks the run to stop; it records itself as cancelled. */
  @Post(':runId/cancel')
  @HttpCode(202)
  @RequiresRole('operator')
  @ApiAcceptedResponse({ description: 'Cancellation requested.', schema: CANCELLING })
  @ApiConflictResponse({ description: 'The run is not running.' })
  cancel(@Param('runId') runId: string): Promise<{ runId: string; status: 'cancelling' }> {
    return this.runs.cancel(runId);
  }

  /** Starts a new run with the configuration of a failed, cancelled, terminated or timed-out one. */
  @Post(':runId/retry')
  @RequiresRole('operator')
  @ApiCreatedResponse({ description: 'The new run.', schema: STARTED_RUN })
  @ApiConflictResponse({ description: 'The run is running or succeeded, or no worker polls a queue it needs.' })
  retry(@Param('runId') runId: string, @Caller() caller: ApiPrincipal): Promise<StartedRun> {
    return this.runs.retry(runId, caller);
  }

  /**
   * Deletes a finished run's registry record with its step executions and lineage events (admin).
   * Refused while the run is running, and always for a run that a model version came from: that
   * version's lineage must stay intact.
   */
  @Delete(':runId')
  @HttpCode(204)
  @RequiresRole('admin')
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiConflictResponse({
    description: 'The run is running, or a model version came from it (RegistryError, reason `has versions`).',
  })
  @ApiNotFoundResponse({ description: 'No run has this id.' })
  async remove(@Param('runId') runId: string): Promise<void> {
    await this.runs.remove(runId);
  }
}
