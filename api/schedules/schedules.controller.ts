/** `/schedules`: retraining on a cron spec through Temporal Schedules. */
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiDefaultResponse,
} from '@nestjs/swagger';

import type { ApiPrincipal } from '../../registry/keys';
import { RequiresRole } from '../auth/roles';
import { ERROR_SCHEMA, SCHEDULE_VIEW, TRIGGERED } from '../http/responses';
import { Caller } from '../http/principal';
import { openApiSchema, ZodPipe } from '../http/validation';
import { createScheduleSchema, type CreateScheduleRequest, type ScheduleView } from './schedule-request';
import { SchedulesService } from './schedules.service';

@ApiTags('schedules')
@ApiDefaultResponse({ description: 'An error: status, error name, message, field at fault.', schema: ERROR_SCHEMA })
@Controller('schedules')
export class SchedulesController {
  constructor(@Inject(SchedulesService) private readonly schedules: SchedulesService) {}

  /** Creates a schedule; its run is validated like `POST /runs` before anything is created. */
  @Post()
  @RequiresRole('operator')
  @ApiBody({ schema: openApiSchema(createScheduleSchema) })
  @ApiCreatedResponse({ description: 'The schedule.', schema: SCHEDULE_VIEW })
  @ApiConflictResponse({ description: 'The id is taken, or no worker polls a queue the run needs.' })
  create(@Body(new ZodPipe(createScheduleSchema)) body: CreateScheduleRequest, @Caller() caller: ApiPrincipal) {
    return this.schedules.create(body, caller);
  }

  /** Every schedule. */
  @Get()
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'Every schedule.', schema: { type: 'array', items: SCHEDULE_VIEW } })
  list(): Promise<ScheduleView[]> {
    return this.schedules.list();
  }

  /** One schedule with its next and recent runs. */
  @Get(':scheduleId')
  @RequiresRole('viewer')
  @ApiOkResponse({ description: 'The schedule.', schema: SCHEDULE_VIEW })
  @ApiNotFoundResponse({ description: 'No schedule has this id.' })
  get(@Param('scheduleId') scheduleId: string): Promise<ScheduleView> {
    return this.schedules.get(scheduleId);
  }

  /** Pauses a schedule: no run starts until it is resumed. */
  @Post(':scheduleId/pause')
  @HttpCode(200)
  @RequiresRole('operator')
  @ApiOkResponse({ description: 'The paused schedule.', schema: SCHEDULE_VIEW })
  pause(@Param('scheduleId') scheduleId: string, @Caller() caller: ApiPrincipal): Promise<ScheduleView> {
    return this.schedules.setPaused(scheduleId, true, caller);
  }

  /** Resumes a paused schedule. */
  @Post(':scheduleId/resume')
  @HttpCode(200)
  @RequiresRole('operator')
  @ApiOkResponse({ description: 'The resumed schedule.', schema: SCHEDULE_VIEW })
  resume(@Param('scheduleId') scheduleId: string, @Caller() caller: ApiPrincipal): Promise<ScheduleView> {
    return this.schedules.setPaused(scheduleId, false, caller);
  }

  /** Starts a run now, under the schedule's overlap policy. */
  @Post(':scheduleId/trigger')
  @HttpCode(202)
  @RequiresRole('operator')
  @ApiAcceptedResponse({ description: 'A run was started.', schema: TRIGGERED })
  trigger(@Param('scheduleId') scheduleId: string): Promise<{ scheduleId: string; triggered: true }> {
    return this.schedules.trigger(scheduleId);
  }

  /** Deletes a schedule (admin); runs it started are not affected. */
  @Delete(':scheduleId')
  @HttpCode(204)
  @RequiresRole('admin')
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ description: 'No schedule has this id.' })
  async remove(@Param('scheduleId') scheduleId: string): Promise<void> {
    await this.schedules.remove(scheduleId);
  }
}
