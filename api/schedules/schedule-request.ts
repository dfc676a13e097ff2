/** Requests and answers of the `/schedules` routes. */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { z } from 'zod';

import { startRunSchema } from '../runs/run-request';

/** Overlap policies a schedule may use, as the API spells them. */
export const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
} as const;

const CRON_FIELD = /^[\d*/,\-A-Za-z?LW#]+$/;

/** Body of `POST /schedules`: when to retrain, and the run to start each time. */
export const createScheduleSchema = z.object({
  scheduleId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (max 100)')
    .describe('Unique id of the schedule.'),
  cron: z
    .string()
    .refine((cron) => {
      const fields = cron.trim().split(/\s+/);
      return (fields.length === 5 || fields.length === 6) && fields.every((f) => CRON_FIELD.test(f));
    }, 'a cron expression of 5 (or 6, with seconds) fields, e.g. "0 2 * * *"')
    .describe('When to start a run, e.g. `0 2 * * *` (nightly at 02:00 UTC).'),
  overlap: z
    .enum(Object.keys(OVERLAP_POLICIES) as [keyof typeof OVERLAP_POLICIES])
    .default('skip')
    .describe('What happens when a run is still going at the next time. Default `skip`.'),
  catchupWindowSeconds: z
    .number()
    .int()
    .min(10)
    .max(366 * 24 * 3600)
    .default(3600)
    .describe('How late a missed run (server outage) may still start. Default 3600 s.'),
  paused: z.boolean().default(false).describe('Create the schedule paused.'),
  run: startRunSchema.describe('The run each action starts, as for POST /runs.'),
  autoPromote: z
    .object({
      alias: z
        .string()
        .regex(/^[a-z][a-z0-9_-]{0,62}$/)
        .default('production'),
      metric: z.string().min(1).default('studentMacroF1'),
    })
    .optional()
    .describe(
      'Promote the new version to `alias` when it passes the gate and its `metric` beats the version the alias ' +
        'names (or no version holds it). Omit: never promote.',
    ),
});
/** A validated {@link createScheduleSchema} body. */
export type CreateScheduleRequest = z.output<typeof createScheduleSchema>;

/** A schedule as the API shows it. */
export interface ScheduleView {
  readonly scheduleId: string;
  readonly cron: readonly string[];
  readonly paused: boolean;
  readonly overlap: string | null;
  readonly catchupWindowSeconds: number | null;
  readonly workflowType: string | null;
  readonly autoPromote: { readonly alias: string; readonly metric: string } | null;
  readonly nextRuns: readonly string[];
  readonly recentRuns: readonly { readonly runId: string; readonly scheduledAt: string; readonly startedAt: string }[];
  readonly actionsTaken: number | null;
}
