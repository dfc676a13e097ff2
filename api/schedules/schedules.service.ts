/**
 * Retraining schedules on the Temporal Schedules API. Each action starts the pipeline with a
 * configuration validated when the schedule was created; with `autoPromote` it starts the
 * scheduled-training workflow, which runs the pipeline as a child and then promotes the version
 * when it passes the gate and beats the version the alias names.
 */
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleSummary,
} from '@temporalio/client';

import { PIPELINE_WORKFLOW, SCHEDULED_TRAINING_WORKFLOW } from '../../common/constants';
import type { ApiPrincipal } from '../../registry/keys';
import type { ScheduledTrainingInput } from '../../workflows/scheduled';
import { actorName } from '../http/principal';
import { RunsService } from '../runs/runs.service';
import { TemporalService } from '../temporal/temporal.service';
import { OVERLAP_POLICIES, type CreateScheduleRequest, type ScheduleView } from './schedule-request';

@Injectable()
export class SchedulesService {
  constructor(
    @Inject(TemporalService) private readonly temporal: TemporalService,
    @Inject(RunsService) private readonly runs: RunsService,
  ) {}

  /**
   * Validates the run like `POST /runs` (400 naming the field, 409 for a queue without pollers),
   * then creates the schedule.
   * @throws ConflictException when a schedule with this id exists.
   */
  async create(request: CreateScheduleRequest, caller: ApiPrincipal): Promise<ScheduleView> {
    const pipeline = await this.runs.pipelineInput(request.run, caller);
    await this.runs.requirePollers(request.run.taskQueue);
    const { scheduleId, autoPromote } = request;
    const action = autoPromote
      ? {
          workflowType: SCHEDULED_TRAINING_WORKFLOW,
          args: [{ pipeline, scheduleId, autoPromote } satisfies ScheduledTrainingInput],
        }
      : { workflowType: PIPELINE_WORKFLOW, args: [pipeline] };
    const client = await this.temporal.client();
    try {
      await client.schedule.create({
        scheduleId,
        spec: { cronExpressions: [request.cron] },
        action: {
          type: 'startWorkflow',
          taskQueue: request.run.taskQueue,
          workflowId: `scheduled-${scheduleId}`,
          ...action,
        },
        policies: { overlap: OVERLAP_POLICIES[request.overlap], catchupWindow: request.catchupWindowSeconds * 1000 },
        state: { paused: request.paused, note: `created by ${actorName(caller)}` },
        memo: { cron: request.cron, createdBy: actorName(caller), ...(autoPromote ? { autoPromote } : {}) },
      });
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning)
        throw new ConflictException(`schedule '${scheduleId}' already exists`);
      throw error;
    }
    return this.get(scheduleId);
  }

  /** Every schedule of the namespace (Temporal's visibility store may lag creation by a moment). */
  async list(): Promise<ScheduleView[]> {
    const client = await this.temporal.client();
    const views: ScheduleView[] = [];
    for await (const summary of client.schedule.list()) views.push(viewOfSummary(summary));
    return views.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
  }

  /** One schedule. @throws NotFoundException. */
  async get(scheduleId: string): Promise<ScheduleView> {
    return viewOf(await this.describe(scheduleId));
  }

  /** Pauses (`paused: true`) or resumes a schedule. @throws NotFoundException. */
  async setPaused(scheduleId: string, paused: boolean, caller: ApiPrincipal): Promise<ScheduleView> {
    const handle = await this.existing(scheduleId);
    const note = `${paused ? 'paused' : 'resumed'} by ${actorName(caller)}`;
    await (paused ? handle.pause(note) : handle.unpause(note));
    return this.get(scheduleId);
  }

  /** Starts one action now, under the schedule's overlap policy. @throws NotFoundException. */
  async trigger(scheduleId: string): Promise<{ scheduleId: string; triggered: true }> {
    await (await this.existing(scheduleId)).trigger();
    return { scheduleId, triggered: true };
  }

  /** Deletes a schedule; runs it started are not affected. @throws NotFoundException. */
  async remove(scheduleId: string): Promise<void> {
    await (await this.existing(scheduleId)).delete();
  }

  private async existing(scheduleId: string): Promise<ScheduleHandle> {
    await this.describe(scheduleId);
    return (await this.temporal.client()).schedule.getHandle(scheduleId);
  }

  private async describe(scheduleId: string): Promise<ScheduleDescription> {
    const handle = (await this.temporal.client()).schedule.getHandle(scheduleId);
    try {
      return await handle.describe();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new NotFoundException(`schedule '${scheduleId}' not found`);
      throw error;
    }
  }
}

function viewOf(d: ScheduleDescription): ScheduleView {
  const overlap = Object.entries(OVERLAP_POLICIES).find(([, policy]) => policy === d.policies.overlap)?.[0] ?? null;
  return {
    ...viewOfSummary(d),
    overlap,
    catchupWindowSeconds: Math.round(d.policies.catchupWindow / 1000),
    actionsTaken: d.info.numActionsTaken,
  };
}

function viewOfSummary(s: ScheduleSummary | ScheduleDescription): ScheduleView {
  const autoPromote = s.memo?.autoPromote as ScheduleView['autoPromote'] | undefined;
  return {
    scheduleId: s.scheduleId,
    // Temporal stores a cron spec as calendars; the expression as given is kept in the memo.
    cron: typeof s.memo?.cron === 'string' ? [s.memo.cron] : [],
    paused: s.state.paused,
    overlap: null,
    catchupWindowSeconds: null,
    workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : null,
    autoPromote: autoPromote ?? null,
    nextRuns: s.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: s.info.recentActions.map((a) => ({
      runId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      startedAt: a.takenAt.toISOString(),
    })),
    actionsTaken: null,
  };
}
